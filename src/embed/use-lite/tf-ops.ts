/** One conversion rule per TensorFlow op of the sentence-encoder graph (see convert.ts for the whole). */
import type { TfNode } from './tfjs-graph.ts';
import type { Ctx } from './onnx-context.ts';
import {
  attrInt,
  attrInts,
  attrTensor,
  type Converter,
  INT64_MAX,
  INT64_MIN,
  ONNX_FLOAT,
  ONNX_INT64,
  type OnnxTensor,
  weightToTensor,
  onnxType,
  tfBool,
  tfInt,
  tfInts,
  tfString,
  UnsupportedOpError,
} from './onnx-context.ts';

const same =
  (opType: string): Converter =>
  (ctx, n) => {
    ctx.emit(
      opType,
      n.input.map((i) => ctx.input(i)),
      [n.name],
    );
  };

/** Reduce ops whose axes are an attribute in opset 13 (everything but ReduceSum). */
const reduceWithAttrAxes =
  (opType: string): Converter =>
  (ctx, n) => {
    const axes = ctx.constInts(n.input[1]!, n);
    ctx.emit(
      opType,
      [ctx.input(n.input[0]!)],
      [n.name],
      [attrInts('axes', axes), attrInt('keepdims', tfBool(n, 'keep_dims') ? 1 : 0)],
    );
  };

function convertStridedSlice(ctx: Ctx, n: TfNode): void {
  if (tfInt(n, 'ellipsis_mask') !== 0 || tfInt(n, 'new_axis_mask') !== 0) {
    throw new UnsupportedOpError(n.op, n.name, 'ellipsis or new-axis masks');
  }
  const begin = ctx.constInts(n.input[1]!, n);
  const end = ctx.constInts(n.input[2]!, n);
  const strides = ctx.constInts(n.input[3]!, n);
  const [beginMask, endMask, shrinkMask] = [tfInt(n, 'begin_mask'), tfInt(n, 'end_mask'), tfInt(n, 'shrink_axis_mask')];
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const steps: bigint[] = [];
  const squeeze: number[] = [];
  begin.forEach((b, i) => {
    const bit = 1 << i;
    const stride = strides[i]!;
    if (shrinkMask & bit) {
      // A shrunk axis keeps exactly element b; b = -1 means "the last one", whose end is +inf.
      starts.push(BigInt(b));
      ends.push(b === -1 ? INT64_MAX : BigInt(b + 1));
      steps.push(1n);
      squeeze.push(i);
      return;
    }
    starts.push(beginMask & bit ? (stride > 0 ? 0n : INT64_MAX) : BigInt(b));
    ends.push(endMask & bit ? (stride > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i]!));
    steps.push(BigInt(stride));
  });
  const axes = begin.map((_, i) => i);
  const sliceInputs = [ctx.input(n.input[0]!), ctx.i64(starts), ctx.i64(ends), ctx.i64(axes), ctx.i64(steps)];
  if (squeeze.length === 0) {
    ctx.emit('Slice', sliceInputs, [n.name]);
    return;
  }
  const sliced = ctx.tmp('Slice', sliceInputs, `${n.name}/slice`);
  ctx.emit('Squeeze', [sliced, ctx.i64(squeeze)], [n.name]);
}

function convertWhere(ctx: Ctx, n: TfNode): void {
  if (n.input.length !== 1)
    throw new UnsupportedOpError(n.op, n.name, 'only the one-input form (coordinates of true elements)');
  // TF returns [count, rank] coordinates; ONNX NonZero returns [rank, count].
  const nz = ctx.tmp('NonZero', [ctx.input(n.input[0]!)], `${n.name}/nonzero`);
  ctx.emit('Transpose', [nz], [n.name], [attrInts('perm', [1, 0])]);
}

function convertGather(ctx: Ctx, n: TfNode): void {
  if (tfInt(n, 'batch_dims') !== 0) throw new UnsupportedOpError(n.op, n.name, 'batch_dims');
  const [axis] = ctx.constInts(n.input[2]!, n);
  ctx.emit('Gather', [ctx.input(n.input[0]!), ctx.input(n.input[1]!)], [n.name], [attrInt('axis', axis!)]);
}

function convertSparseToDense(ctx: Ctx, n: TfNode): void {
  const [indices, shape, values, fallback] = n.input.map((i) => ctx.input(i));
  const dense = ctx.tmp('Expand', [fallback!, shape!], `${n.name}/default`);
  ctx.emit('ScatterND', [dense, indices!, values!], [n.name]);
}

function convertScatterNd(ctx: Ctx, n: TfNode): void {
  const [indices, updates, shape] = n.input.map((i) => ctx.input(i));
  const type = onnxType(n.attr.T?.type, n);
  const zero: OnnxTensor =
    type === ONNX_FLOAT
      ? { dataType: ONNX_FLOAT, dims: [1], rawData: new Uint8Array(4) }
      : { dataType: ONNX_INT64, dims: [1], rawData: new Uint8Array(8) };
  const zeros = ctx.tmp('ConstantOfShape', [shape!], `${n.name}/zeros`, [attrTensor('value', zero)]);
  ctx.emit('ScatterND', [zeros, indices!, updates!], [n.name]);
}

function convertConcat(ctx: Ctx, n: TfNode): void {
  const count = tfInt(n, 'N', n.input.length - 1);
  const [axis] = ctx.constInts(n.input[count]!, n);
  ctx.emit(
    'Concat',
    n.input.slice(0, count).map((i) => ctx.input(i)),
    [n.name],
    [attrInt('axis', axis!)],
  );
}

function convertPack(ctx: Ctx, n: TfNode): void {
  const axis = tfInt(n, 'axis');
  const axes = ctx.i64([axis]);
  const parts = n.input.map((i, k) => ctx.tmp('Unsqueeze', [ctx.input(i), axes], `${n.name}/part${k}`));
  ctx.emit('Concat', parts, [n.name], [attrInt('axis', axis)]);
}

function convertMatMul(ctx: Ctx, n: TfNode): void {
  const [a, b] = [ctx.input(n.input[0]!), ctx.input(n.input[1]!)];
  const flip = (x: string, yes: boolean): string =>
    yes ? ctx.tmp('Transpose', [x], `${n.name}/t`, [attrInts('perm', [1, 0])]) : x;
  ctx.emit('MatMul', [flip(a, tfBool(n, 'transpose_a')), flip(b, tfBool(n, 'transpose_b'))], [n.name]);
}

function convertBatchMatMul(ctx: Ctx, n: TfNode): void {
  const flip = (ref: string, yes: boolean): string => {
    const x = ctx.input(ref);
    if (!yes) return x;
    const rank = ctx.rank(ref);
    if (rank === undefined || rank < 2)
      throw new UnsupportedOpError(n.op, n.name, `cannot tell the rank of ${ref} for adj_x/adj_y`);
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    return ctx.tmp('Transpose', [x], `${n.name}/adj`, [attrInts('perm', perm)]);
  };
  ctx.emit('MatMul', [flip(n.input[0]!, tfBool(n, 'adj_x')), flip(n.input[1]!, tfBool(n, 'adj_y'))], [n.name]);
}

/** Only 1×1, stride-1 NHWC convolutions exist in this graph: they are per-position projections. */
function convertConv2D(ctx: Ctx, n: TfNode): void {
  const kernelNode = ctx.tfNode(n.input[1]!);
  if (kernelNode?.op !== 'Const') throw new UnsupportedOpError(n.op, n.name, 'kernel must be a constant');
  const kernel = ctx.weight(kernelNode.name);
  const [kh, kw, cin, cout] = kernel.shape;
  const ones = (xs: number[]): boolean => xs.every((x) => x === 1);
  const format = tfString(n, 'data_format') ?? 'NHWC';
  if (
    kernel.shape.length !== 4 ||
    kh !== 1 ||
    kw !== 1 ||
    !ones(tfInts(n, 'strides')) ||
    !ones(tfInts(n, 'dilations')) ||
    format !== 'NHWC'
  ) {
    throw new UnsupportedOpError(n.op, n.name, 'only 1x1, stride-1, NHWC convolutions');
  }
  const name = `${kernelNode.name}/as_matmul`;
  ctx.initializers.push(weightToTensor(name, kernel, [cin!, cout!]));
  ctx.emit('MatMul', [ctx.input(n.input[0]!), name], [n.name]);
}

function convertSplitV(ctx: Ctx, n: TfNode): void {
  const sizes = ctx.constInts(n.input[1]!, n);
  const [axis] = ctx.constInts(n.input[2]!, n);
  if (sizes.some((s) => s < 0)) throw new UnsupportedOpError(n.op, n.name, 'inferred (-1) split sizes');
  const outputs = sizes.map((_, k) => (k === 0 ? n.name : `${n.name}:${k}`));
  ctx.emit('Split', [ctx.input(n.input[0]!), ctx.i64(sizes)], outputs, [attrInt('axis', axis!)]);
}

function convertSlice(ctx: Ctx, n: TfNode): void {
  const begin = ctx.constInts(n.input[1]!, n);
  const size = ctx.constInts(n.input[2]!, n);
  const ends = begin.map((b, i) => (size[i] === -1 ? INT64_MAX : BigInt(b + size[i]!)));
  const axes = begin.map((_, i) => i);
  ctx.emit('Slice', [ctx.input(n.input[0]!), ctx.i64(begin), ctx.i64(ends), ctx.i64(axes)], [n.name]);
}

function convertBiasAdd(ctx: Ctx, n: TfNode): void {
  const format = tfString(n, 'data_format') ?? 'NHWC';
  if (format !== 'NHWC') throw new UnsupportedOpError(n.op, n.name, `data_format ${format}`);
  same('Add')(ctx, n);
}

/** Every TF op of the graph, with how it maps to ONNX. */
export const CONVERTERS: Record<string, Converter> = {
  Const: () => undefined, // materialised lazily as initializers when an op reads them
  Identity: same('Identity'),
  Add: same('Add'),
  AddV2: same('Add'),
  Sub: same('Sub'),
  Mul: same('Mul'),
  RealDiv: same('Div'),
  Maximum: same('Max'),
  Less: same('Less'),
  Greater: same('Greater'),
  LogicalNot: same('Not'),
  Sin: same('Sin'),
  Cos: same('Cos'),
  Relu: same('Relu'),
  Tanh: same('Tanh'),
  Shape: same('Shape'),
  Range: same('Range'),
  GatherNd: same('GatherND'),
  Reshape: same('Reshape'),
  BiasAdd: convertBiasAdd,
  Softmax: (ctx, n) => void ctx.emit('Softmax', [ctx.input(n.input[0]!)], [n.name], [attrInt('axis', -1)]),
  Square: (ctx, n) => void ctx.emit('Mul', [ctx.input(n.input[0]!), ctx.input(n.input[0]!)], [n.name]),
  Rsqrt: (ctx, n) =>
    void ctx.emit('Reciprocal', [ctx.tmp('Sqrt', [ctx.input(n.input[0]!)], `${n.name}/sqrt`)], [n.name]),
  Cast: (ctx, n) =>
    void ctx.emit('Cast', [ctx.input(n.input[0]!)], [n.name], [attrInt('to', onnxType(n.attr.DstT?.type, n))]),
  Transpose: (ctx, n) =>
    void ctx.emit('Transpose', [ctx.input(n.input[0]!)], [n.name], [attrInts('perm', ctx.constInts(n.input[1]!, n))]),
  ExpandDims: (ctx, n) =>
    void ctx.emit('Unsqueeze', [ctx.input(n.input[0]!), ctx.i64(ctx.constInts(n.input[1]!, n))], [n.name]),
  Squeeze: (ctx, n) => {
    const dims = tfInts(n, 'squeeze_dims');
    ctx.emit('Squeeze', dims.length ? [ctx.input(n.input[0]!), ctx.i64(dims)] : [ctx.input(n.input[0]!)], [n.name]);
  },
  Sum: (ctx, n) => {
    const axes = ctx.i64(ctx.constInts(n.input[1]!, n));
    ctx.emit(
      'ReduceSum',
      [ctx.input(n.input[0]!), axes],
      [n.name],
      [attrInt('keepdims', tfBool(n, 'keep_dims') ? 1 : 0)],
    );
  },
  Max: reduceWithAttrAxes('ReduceMax'),
  Mean: reduceWithAttrAxes('ReduceMean'),
  Prod: reduceWithAttrAxes('ReduceProd'),
  StridedSlice: convertStridedSlice,
  Where: convertWhere,
  GatherV2: convertGather,
  SparseToDense: convertSparseToDense,
  ScatterNd: convertScatterNd,
  ConcatV2: convertConcat,
  Pack: convertPack,
  MatMul: convertMatMul,
  BatchMatMul: convertBatchMatMul,
  BatchMatMulV2: convertBatchMatMul,
  Conv2D: convertConv2D,
  SplitV: convertSplitV,
  Slice: convertSlice,
};

/** TF ops the converter understands (Placeholder is handled by the dense front end). */
export const SUPPORTED_TF_OPS: readonly string[] = [...Object.keys(CONVERTERS), 'Placeholder'].sort();
