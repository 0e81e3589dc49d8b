/**
 * TF.js graph -> ONNX conversion of Universal Sentence Encoder lite:
 * determinism, op coverage, graph contract, runtime edge cases, warm start.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { isCitebotError } from '../../../src/errors.ts';
import {
  CONVERTER_VERSION,
  OPSET,
  SUPPORTED_TF_OPS,
  UnsupportedOpError,
  checkOpCoverage,
  convertGraphToOnnx,
} from '../../../src/embed/use-lite/convert.ts';
import {
  MANIFEST_FILE,
  ONNX_RELATIVE_PATH,
  USE_LITE_MODEL_ID,
  ensureUseLiteModel,
  isUseLiteAvailable,
} from '../../../src/embed/use-lite/index.ts';
import { useLitePackageDir } from '../../../src/embed/use-lite/package.ts';
import { loadTfjsGraph, type TfjsGraph } from '../../../src/embed/use-lite/tfjs-graph.ts';
import type { ModelSpec } from '../../../src/embed/model-spec.ts';

const { onnx } = onnxProto;
// onnxruntime-node is CommonJS; its types come through the default export.
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let modelsDir: string;
let spec: ModelSpec;
let graph: TfjsGraph;
let session: import('onnxruntime-node').InferenceSession;

before(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'citebot-use-lite-convert-'));
  const messages: string[] = [];
  spec = await ensureUseLiteModel(modelsDir, (m) => messages.push(m));
  assert.ok(messages.length > 0, 'a cold conversion reports progress');
  graph = await loadTfjsGraph(useLitePackageDir());
  session = await ort.InferenceSession.create(join(spec.dir, ONNX_RELATIVE_PATH));
});

after(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

/** Runs the raw ONNX model on explicit token rows (right-padded, mask 0 on padding). */
async function runRows(
  rows: number[][],
  width = Math.max(1, ...rows.map((r) => r.length)),
): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) =>
    row.forEach((id, c) => {
      ids[r * width + c] = BigInt(id);
      mask[r * width + c] = 1n;
    }),
  );
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [rows.length, width]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, width]),
  });
  const t = out.last_hidden_state!;
  return { dims: t.dims, data: t.data as Float32Array };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('use-lite conversion', () => {
  it('returns the contract spec with the ONNX file in onnx/model.onnx', async () => {
    assert.equal(isUseLiteAvailable(), true);
    assert.equal(spec.id, USE_LITE_MODEL_ID);
    assert.equal(spec.quantized, false);
    assert.equal(spec.pooling, 'cls');
    assert.equal(spec.maxTokens, 128);
    assert.match(spec.dir, /use-lite-0\.2\.0$/);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', ONNX_RELATIVE_PATH, MANIFEST_FILE]) {
      assert.ok((await stat(join(spec.dir, f))).size > 0, `${f} written`);
    }
    const leftovers = (await readdir(modelsDir)).filter((f) => f.startsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no temp folder left behind');
  });

  it('is deterministic: two conversions give byte-identical models, equal to the cached file', async () => {
    const first = convertGraphToOnnx(graph);
    const second = convertGraphToOnnx(await loadTfjsGraph(useLitePackageDir()));
    assert.equal(sha256(first), sha256(second));
    const onDisk = await readFile(join(spec.dir, ONNX_RELATIVE_PATH));
    assert.equal(sha256(onDisk), sha256(first));
    const manifest = JSON.parse(await readFile(join(spec.dir, MANIFEST_FILE), 'utf8')) as {
      onnxSha256: string;
      converterVersion: number;
    };
    assert.equal(manifest.onnxSha256, sha256(first));
    assert.equal(manifest.converterVersion, CONVERTER_VERSION);
  });

  it('has a rule for every op in model.json', () => {
    const ops = [...new Set(graph.nodes.map((n) => n.op))].sort();
    assert.ok(ops.length >= 40, `model.json uses ${ops.length} ops`);
    const missing = ops.filter((op) => !SUPPORTED_TF_OPS.includes(op));
    assert.deepEqual(missing, []);
    assert.doesNotThrow(() => checkOpCoverage(graph));
  });

  it('rejects an unknown op with a typed, actionable error', () => {
    const broken: TfjsGraph = {
      weights: graph.weights,
      nodes: graph.nodes.map((n) => (n.op === 'Tanh' ? { ...n, op: 'Erf' } : n)),
    };
    assert.throws(
      () => convertGraphToOnnx(broken),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedOpError);
        assert.ok(isCitebotError(error));
        assert.equal(error.code, 'model_invalid');
        assert.equal(error.op, 'Erf');
        assert.match(error.node, /tanh_layer_0\/Tanh$/);
        assert.match(error.message, /"Erf"/);
        return true;
      },
    );
  });

  it('writes an opset-13 graph with input_ids/attention_mask in and [batch,1,512] last_hidden_state out', async () => {
    const model = onnx.ModelProto.decode(await readFile(join(spec.dir, ONNX_RELATIVE_PATH)));
    assert.equal(Number(model.opsetImport[0]!.version), OPSET);
    // decode builds class instances, whose repeated fields are always arrays.
    const graphProto = model.graph as onnxProto.onnx.GraphProto;
    assert.deepEqual(
      graphProto.input.map((i) => i.name),
      ['input_ids', 'attention_mask'],
    );
    assert.deepEqual(
      graphProto.output.map((o) => o.name),
      ['last_hidden_state'],
    );
    const dims = graphProto.output[0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(dims, ['batch', 1, 512]);
    const opTypes = new Set(graphProto.node.map((n) => n.opType));
    for (const tfOnly of [
      'StridedSlice',
      'SparseToDense',
      'ScatterNd',
      'Conv2D',
      'BatchMatMul',
      'SplitV',
      'Rsqrt',
      'Square',
      'Where',
    ]) {
      assert.ok(!opTypes.has(tfOnly), `${tfOnly} was lowered`);
    }
    assert.ok(
      graphProto.initializer.every((t) => t.dataType === 1 || t.dataType === 7),
      'float32 and int64 initializers only',
    );
    assert.deepEqual(session.inputNames, ['input_ids', 'attention_mask']);
  });

  it('returns one row per input, even when trailing rows are empty (TF.js drops them)', async () => {
    const sentence = [341, 4125, 311, 6];
    const { dims, data } = await runRows([sentence, [], []], 4);
    assert.deepEqual([...dims], [3, 1, 512]);
    const alone = await runRows([sentence]);
    assert.ok(maxAbsDiff(data.subarray(0, 512), alone.data) < 1e-5, 'padding rows do not change the first row');
    assert.ok(data.every(Number.isFinite));
  });

  it('ignores token positions from 128 on, like the TF.js graph', async () => {
    const long = Array.from({ length: 200 }, (_, i) => 100 + (i % 50));
    const full = await runRows([long]);
    const cut = await runRows([long.slice(0, 128)]);
    assert.ok(maxAbsDiff(full.data, cut.data) < 1e-5);
    const shorter = await runRows([long.slice(0, 100)]);
    assert.ok(maxAbsDiff(full.data, shorter.data) > 1e-3, 'tokens before 128 do count');
  });

  it('warm start reuses the cached folder without rewriting it', async () => {
    const onnxPath = join(spec.dir, ONNX_RELATIVE_PATH);
    const before = await stat(onnxPath);
    const messages: string[] = [];
    const again = await ensureUseLiteModel(modelsDir, (m) => messages.push(m));
    assert.deepEqual(again, spec);
    const afterStat = await stat(onnxPath);
    assert.equal(afterStat.mtimeMs, before.mtimeMs);
    assert.equal(afterStat.ino, before.ino);
    assert.deepEqual(messages, [], 'no conversion progress on a warm start');
  });

  it('redoes an incomplete or damaged folder instead of using it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'citebot-use-lite-damaged-'));
    try {
      const first = await ensureUseLiteModel(dir);
      const onnxPath = join(first.dir, ONNX_RELATIVE_PATH);
      const good = await readFile(onnxPath);
      await writeFile(onnxPath, good.subarray(0, 1000)); // half-written model
      const fixed = await ensureUseLiteModel(dir);
      assert.equal(sha256(await readFile(join(fixed.dir, ONNX_RELATIVE_PATH))), sha256(good));
      await rm(join(fixed.dir, MANIFEST_FILE)); // no completion marker
      await ensureUseLiteModel(dir);
      assert.ok((await stat(join(fixed.dir, MANIFEST_FILE))).isFile());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('converts once when several callers ask at the same time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'citebot-use-lite-race-'));
    try {
      const messages: string[] = [];
      const specs = await Promise.all([1, 2, 3].map(() => ensureUseLiteModel(dir, (m) => messages.push(m))));
      assert.ok(specs.every((s) => s.dir === specs[0]!.dir));
      assert.equal(messages.filter((m) => m.startsWith('Converting')).length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
