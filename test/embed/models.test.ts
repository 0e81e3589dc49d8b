/** Model resolution: hub download into the cache (bounded by a timeout), MODEL_DIR, keyword fallback. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { CitebotError } from '../../src/errors.ts';
import {
  MINILM_ID,
  canonicalModelName,
  downloadHubModel,
  resolveAutoModel,
  resolveNamedModel,
  specFromFolder,
} from '../../src/embed/models.ts';
import { tinyModel } from '../helpers/engine.ts';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe('model names', () => {
  it('maps the short names to models and leaves every other name as written', () => {
    assert.equal(canonicalModelName('MiniLM'), MINILM_ID);
    assert.equal(canonicalModelName('USE-lite'), 'use-lite');
    assert.equal(canonicalModelName('constructor'), 'constructor');
  });
});

describe('model resolution', () => {
  let hub: Server;
  let hubUrl: string;
  let silent: Server;
  let silentUrl: string;
  const requests: string[] = [];

  before(async () => {
    const modelDir = await tinyModel();
    // A stand-in hub serving the tiny model under MiniLM's repository layout.
    hub = createServer((req, res) => {
      requests.push(req.url ?? '');
      const match = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const file = match?.[1] === 'onnx/model_quantized.onnx' ? 'onnx/model.onnx' : match?.[1];
      if (!file || !existsSync(join(modelDir, file))) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(join(modelDir, file)));
    });
    hubUrl = await listen(hub);
    // Accepts connections and never answers, like a black-holed network.
    silent = createServer(() => {});
    silentUrl = await listen(silent);
  });
  after(() => {
    hub.close();
    silent.closeAllConnections();
    silent.close();
  });

  it('GIVEN a reachable hub THEN MiniLM is downloaded once into DATA_DIR/models and then loaded from the cache', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'citebot-hub-'));
    const config = loadConfig({ DATA_DIR: dataDir, HF_ENDPOINT: hubUrl });
    const notices: string[] = [];
    const first = await resolveAutoModel(config, (m) => notices.push(m));
    assert.equal(first.kind, 'semantic');
    assert.equal(first.kind === 'semantic' && first.spec.id, MINILM_ID);
    assert.ok(existsSync(join(dataDir, 'models', MINILM_ID, 'onnx/model_quantized.onnx')));
    assert.ok(notices.some((n) => /trying to download Xenova\/all-MiniLM-L6-v2/.test(n)));
    const before = requests.length;
    const engine = await openEngine(
      loadConfig({ DATA_DIR: dataDir, HF_ENDPOINT: hubUrl, EMBED_WORKERS: '1', LOG_LEVEL: 'silent' }),
    );
    try {
      assert.equal(engine.model().id, MINILM_ID);
      assert.equal(requests.length, before, 'the cached model was downloaded again');
      await engine.ingest(
        [
          {
            id: 'a',
            title: 'Ferry',
            date: null,
            source: null,
            section: null,
            url: null,
            paragraphs: ['The Skerra ferry adds a dawn sailing on weekdays from March, the operator said.'],
          },
        ],
        'library',
      );
      assert.equal((await engine.stats()).indexSize, 1);
    } finally {
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('GIVEN a hub that never answers THEN the download gives up within the timeout with a clear error', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'citebot-silent-'));
    const config = loadConfig({ DATA_DIR: dataDir, HF_ENDPOINT: silentUrl, MODEL_DOWNLOAD_TIMEOUT_MS: '300' });
    const started = Date.now();
    await assert.rejects(downloadHubModel(config, MINILM_ID), (error: unknown) => {
      assert.ok(error instanceof CitebotError && error.code === 'model_missing');
      assert.match(error.message, /could not download Xenova\/all-MiniLM-L6-v2/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(existsSync(join(dataDir, 'models', MINILM_ID)), false, 'a partial download was left behind');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GIVEN CITEBOT_OFFLINE and no cached model THEN asking for MiniLM names MODEL_DIR as the fix', async () => {
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'citebot-off-')), CITEBOT_OFFLINE: 'true' });
    await assert.rejects(
      resolveNamedModel(config, 'minilm', () => {}),
      /CITEBOT_OFFLINE is set; copy the model folder in and point MODEL_DIR at it/,
    );
  });

  it('GIVEN a MODEL_DIR without a model THEN the error lists the files a model folder needs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'citebot-empty-model-'));
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'citebot-d-')), MODEL_DIR: empty });
    await assert.rejects(
      resolveAutoModel(config, () => {}),
      /not a usable model folder: it needs config\.json, tokenizer\.json and onnx\/model\.onnx/,
    );
  });

  it('GIVEN EMBEDDING_MODEL=keyword THEN search is keyword-only and says why', async () => {
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'citebot-k-')), EMBEDDING_MODEL: 'keyword' });
    const choice = await resolveNamedModel(config, 'keyword', () => {});
    assert.deepEqual(choice, {
      kind: 'keyword',
      reason: 'searching by keywords only, as EMBEDDING_MODEL=keyword asks',
    });
  });
});

describe('model folder settings (citebot.json)', () => {
  it('GIVEN a citebot.json with a wrong value THEN the folder is refused with the file and the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-modelcfg-'));
    try {
      cpSync(await tinyModel(), dir, { recursive: true });
      writeFileSync(join(dir, 'citebot.json'), JSON.stringify({ pooling: 'max', maxTokens: 128 }));
      assert.throws(
        () => specFromFolder(dir),
        (error: unknown) =>
          error instanceof CitebotError &&
          error.code === 'model_invalid' &&
          /citebot\.json has invalid settings: pooling/.test(error.message),
      );
      writeFileSync(join(dir, 'citebot.json'), '{"pooling": "cls",');
      assert.throws(() => specFromFolder(dir), /citebot\.json is not valid JSON/);
      writeFileSync(
        join(dir, 'citebot.json'),
        JSON.stringify({ id: 'newsroom/encoder', pooling: 'cls', maxTokens: 128 }),
      );
      const spec = specFromFolder(dir);
      assert.deepEqual([spec.id, spec.pooling, spec.maxTokens], ['newsroom/encoder', 'cls', 128]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
