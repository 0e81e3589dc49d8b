/**
 * The ONNX side of the sentence-encoder conversion: the conversion state (emitted nodes and
 * initializers), tensor and attribute builders, and readers for TF.js node attributes. The op rules
 * that use them are in tf-ops.ts; the conversion itself is convert.ts.
 */
import onnxProto from 'onnx-proto';
import { CitebotError } from '../../errors.ts';
import { TF_DTYPE, weightInts, type TfAttrValue, type TfjsGraph, type TfNode, type TfWeight } from './tfjs-graph.ts';

export const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxAttr = onnxProto.onnx.IAttributeProto;

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_BOOL = 9;
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

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
export type Converter = (ctx: Ctx, node: TfNode) => void;

/** Conversion state: emitted nodes, materialised initializers, and graph lookups. */
export class Ctx {
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

export function splitRef(ref: string): { node: string; index: number } {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: ref, index: 0 };
}

export function int64Tensor(name: string, values: Array<number | bigint>, dims: number[]): OnnxTensor {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: ONNX_INT64, dims, rawData: bytes };
}

/** TF.js stores every integer tensor as int32; the ONNX graph uses int64 throughout. */
export function weightToTensor(name: string, w: TfWeight, dims: number[] = w.shape): OnnxTensor {
  if (w.dtype === 'float32') return { name, dataType: ONNX_FLOAT, dims, rawData: w.bytes };
  return int64Tensor(name, weightInts(w), dims);
}

export function onnxType(tfType: number | string | undefined, node: TfNode): number {
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

export const attrInt = (name: string, i: number): OnnxAttr => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});
export const attrInts = (name: string, ints: number[]): OnnxAttr => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
export const attrTensor = (name: string, t: OnnxTensor): OnnxAttr => ({
  name,
  type: onnx.AttributeProto.AttributeType.TENSOR,
  t,
});

export function tfInt(node: TfNode, key: string, fallback = 0): number {
  const v: TfAttrValue | undefined = node.attr[key];
  return v?.i === undefined ? fallback : Number(v.i);
}
export function tfBool(node: TfNode, key: string): boolean {
  return node.attr[key]?.b === true;
}
export function tfInts(node: TfNode, key: string): number[] {
  return (node.attr[key]?.list?.i ?? []).map(Number);
}
export function tfString(node: TfNode, key: string): string | undefined {
  const s = node.attr[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

/** Ranks are only needed to build the transpose for BatchMatMul adj_x/adj_y; a few ops are enough. */
export function inferRank(ctx: Ctx, ref: string): number | undefined {
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
