/**
 * The optional re-ranker (RERANK_MODEL) on the real engine: the real Transformers.js
 * sequence-classification pipeline in its worker, on a generated cross-encoder whose verdict is
 * known (a passage holding "detained" answers a question holding "arrested", and nothing else is
 * relevant), so a test can tell its order and its "no answer" from fusion's.
 *   node --import tsx --test test/search/rerank.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { crossEncoderFromFolder, openReranker } from '../../src/embed/cross-encoder.ts';
import { openEngine } from '../../src/engine.ts';
import { calibrate } from '../../src/eval/calibrate.ts';
import { parseEvalSet } from '../../src/eval/set.ts';
import { UserError } from '../../src/errors.ts';
import type { Article } from '../../src/types.ts';
import { openTestEngine, testEnv, tinyModel, type TestEngine } from '../helpers/engine.ts';
import { createTinyCrossEncoder } from '../helpers/tiny-model.ts';

const ARTICLES: Article[] = [
  {
    id: 'rally',
    title: 'Rally in the park',
    date: '2022-01-09',
    source: 'test',
    section: null,
    url: null,
    paragraphs: [
      'Police arrested no protesters at the rally in the park, the organisers of the rally said.',
      'The rally ended peacefully in the evening.',
    ],
  },
  {
    id: 'crackdown',
    title: 'Crackdown after the unrest',
    date: '2022-01-10',
    source: 'test',
    section: null,
    url: null,
    paragraphs: [
      'Officers detained 7,939 people across the country after the unrest.',
      'The interior ministry published the figure on Monday.',
    ],
  },
  {
    id: 'storm',
    title: 'Storm hits the coast',
    date: '2022-02-01',
    source: 'test',
    section: null,
    url: null,
    paragraphs: ['The storm cut power to 310 homes on the coast.', 'Engineers restored power by the next morning.'],
  },
];

const WORDS = { question: ['arrested'], passage: ['detained'] };
const QUESTION = 'Which protesters were arrested by police at the rally?';

describe('re-ranking with a cross-encoder (RERANK_MODEL)', () => {
  let crossEncoderDir: string;
  let plain: TestEngine;
  let reranked: TestEngine;
  before(async () => {
    crossEncoderDir = await createTinyCrossEncoder(
      join(mkdtempSync(join(tmpdir(), 'citebot-ce-')), 'tiny-cross-encoder'),
      WORDS,
    );
    plain = await openTestEngine({ env: { ANSWER_THRESHOLD: '0' } });
    reranked = await openTestEngine({
      env: { ANSWER_THRESHOLD: '0', RERANK_MODEL: crossEncoderDir, RERANK_CANDIDATES: '5' },
    });
    await plain.engine.ingest(ARTICLES, 'library');
    await reranked.engine.ingest(ARTICLES, 'library');
  });
  after(async () => {
    await plain?.cleanup();
    await reranked?.cleanup();
    rmSync(crossEncoderDir, { recursive: true, force: true });
  });

  test('GIVEN fusion ranks the keyword match first THEN the re-ranker puts the passage it finds relevant first', async () => {
    const fused = await plain.engine.internals.retrieve(QUESTION, { collections: ['library'], k: 3 });
    assert.equal(fused.hits[0]?.article.id, 'rally');
    assert.equal(fused.relevance, null);
    assert.equal(fused.hits[0]?.relevance, null);

    const read = await reranked.engine.internals.retrieve(QUESTION, { collections: ['library'], k: 3 });
    assert.equal(read.hits[0]?.article.id, 'crackdown');
    assert.equal(read.hits[0]?.passage.paragraph_start, 0);
    assert.ok(read.hits[0]!.relevance! > 0.9, String(read.hits[0]!.relevance));
    assert.ok(read.hits[1]!.relevance! < 0.1, String(read.hits[1]!.relevance));
    assert.equal(read.relevance, read.hits[0]!.relevance);
    assert.equal(read.answered, true);

    // What `ask --json` and the stats show.
    const asked = await reranked.engine.ask(QUESTION, { collections: ['library'] });
    assert.equal(asked.answered, true);
    assert.equal(asked.passages[0]?.citation.article_id, 'crackdown');
    assert.ok(asked.passages[0]!.relevance! > 0.9);
    assert.equal('relevance' in (await plain.engine.ask(QUESTION, { collections: ['library'] })).passages[0]!, false);
    assert.equal((await reranked.engine.stats()).reranker, `local:${crossEncoderDir}`);
    assert.equal((await plain.engine.stats()).reranker, null);
  });

  test('GIVEN no passage the re-ranker finds relevant THEN the question is declined although fusion alone would answer', async () => {
    const question = 'How many homes lost power in the storm?';
    const fused = await plain.engine.internals.retrieve(question, { collections: ['library'], k: 3 });
    assert.equal(fused.answered, true);
    const asked = await reranked.engine.ask(question, { collections: ['library'] });
    assert.equal(asked.answered, false);
    assert.equal(asked.answer, null);
    // Not an answer, but still the closest passages (the floor is at the threshold, 0).
    assert.equal(asked.passages[0]?.citation.article_id, 'storm');
  });

  test('GIVEN --calibrate with a re-ranker THEN the threshold is chosen on its relevance, and the floor on fused scores', async () => {
    const set = parseEvalSet(
      {
        articles: ARTICLES.map((a) => ({ id: a.id, title: a.title, paragraphs: a.paragraphs })),
        questions: [
          {
            q: 'How many people were arrested after the unrest?',
            answer: '7,939',
            article_id: 'crackdown',
            paragraph_index: 0,
          },
          {
            q: 'Were people arrested across the country?',
            answer: '7,939',
            article_id: 'crackdown',
            paragraph_index: 0,
          },
        ],
        unanswerable: ['How many homes lost power in the storm?', 'When did the rally in the park end?'],
      },
      'mini',
    );
    const userDataDir = mkdtempSync(join(tmpdir(), 'citebot-cal-'));
    const result = await calibrate([set], {
      env: testEnv(userDataDir, reranked.modelDir, { RERANK_MODEL: crossEncoderDir }),
    });
    rmSync(userDataDir, { recursive: true, force: true });
    assert.equal(result.reranker, `local:${crossEncoderDir}`);
    assert.equal(result.choice.declinedCorrectly, 1);
    assert.equal(result.choice.declinedWrongly, 0);
    assert.ok(result.choice.threshold > 0.05 && result.choice.threshold < 0.95, String(result.choice.threshold));
    for (const row of result.rows) assert.notEqual(row.score, row.fused);
  });

  test('GIVEN a bm25-only or dense-only question THEN the re-ranker is not asked', async () => {
    const r = await reranked.engine.internals.retrieve(QUESTION, { collections: ['library'], k: 3, mode: 'bm25' });
    assert.equal(r.relevance, null);
    assert.equal(r.hits[0]?.article.id, 'rally');
  });
});

describe("pairs longer than the re-ranker's window", () => {
  test('GIVEN a passage far past the window THEN its end is cut, and the pair keeps its closing separator', async () => {
    // Relevant exactly when the passage's segment holds a [SEP]: the closing one.
    const dir = await createTinyCrossEncoder(join(mkdtempSync(join(tmpdir(), 'citebot-ce-')), 'needs-sep'), {
      question: ['arrested'],
      passage: ['[SEP]'],
      maxTokens: 64,
    });
    const reranker = await openReranker(crossEncoderFromFolder(dir, 'needs-sep', null), { candidates: 5, threads: 1 });
    try {
      const long = Array.from({ length: 300 }, (_, i) => `word${i % 7 === 0 ? '.' : ''}`).join(' ');
      const [short, longest] = await reranker.score('Who was arrested?', ['Officers detained 7,939 people.', long]);
      assert.ok(short! > 0.9, String(short));
      assert.ok(longest! > 0.9, `the long passage lost its closing [SEP]: ${longest}`);
    } finally {
      await reranker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a re-ranker that fails on a question', () => {
  test('GIVEN passages longer than the cross-encoder accepts THEN fusion answers alone, the failure is told, and the next question still runs', async () => {
    const dir = await createTinyCrossEncoder(join(mkdtempSync(join(tmpdir(), 'citebot-ce-')), 'short-window'), {
      ...WORDS,
      maxPositions: 24,
    });
    const notices: string[] = [];
    const t = await openTestEngine({
      env: { ANSWER_THRESHOLD: '0', RERANK_MODEL: dir },
      engineOptions: { notice: (m) => notices.push(m) },
    });
    try {
      await t.engine.ingest(ARTICLES, 'library');
      const r = await t.engine.internals.retrieve(QUESTION, { collections: ['library'], k: 3 });
      assert.equal(r.relevance, null);
      assert.equal(r.hits[0]?.article.id, 'rally');
      assert.equal(r.answered, true);
      assert.ok(
        notices.some((n) => /^answered without re-ranking: re-ranking failed: .*negative/.test(n)),
        notices.join('\n'),
      );
      const again = await t.engine.ask('How many homes lost power in the storm?', { collections: ['library'] });
      assert.equal(again.passages[0]?.citation.article_id, 'storm');
    } finally {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RERANK_MODEL problems are reported, and nothing stored is touched', () => {
  let dataDir: string;
  let modelDir: string;
  before(async () => {
    modelDir = await tinyModel();
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-data-'));
    const engine = await openEngine(loadConfig(testEnv(dataDir, modelDir)));
    await engine.ingest(ARTICLES, 'library');
    await engine.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function openWith(env: Record<string, string>): Promise<UserError> {
    const error = await openEngine(loadConfig(testEnv(dataDir, modelDir, env))).then(
      async (engine) => {
        await engine.close();
        return null;
      },
      (e: unknown) => e,
    );
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    return error;
  }

  async function assertLibraryIntact(): Promise<void> {
    const engine = await openEngine(loadConfig(testEnv(dataDir, modelDir)));
    try {
      assert.equal(await engine.internals.store.countArticles('library'), ARTICLES.length);
    } finally {
      await engine.close();
    }
  }

  test('GIVEN a folder without a model THEN the error names RERANK_MODEL and the files it needs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'citebot-not-a-model-'));
    writeFileSync(join(empty, 'notes.txt'), 'not a model');
    const error = await openWith({ RERANK_MODEL: empty });
    assert.equal(error.code, 'model_missing');
    assert.match(error.message, /RERANK_MODEL/);
    assert.match(error.message, /onnx\/model\.onnx/);
    rmSync(empty, { recursive: true, force: true });
    await assertLibraryIntact();
  });

  test('GIVEN an embedding model instead of a cross-encoder THEN it is refused as the wrong kind of model', async () => {
    const error = await openWith({ RERANK_MODEL: modelDir });
    assert.equal(error.code, 'model_invalid');
    assert.match(error.message, /sequence-classification \(cross-encoder\)/);
    await assertLibraryIntact();
  });

  test('GIVEN a hub id offline and not cached THEN the error says where to copy it or to unset it', async () => {
    const error = await openWith({ RERANK_MODEL: 'ms-marco', CITEBOT_OFFLINE: 'true' });
    assert.equal(error.code, 'model_missing');
    assert.match(error.message, /Xenova\/ms-marco-MiniLM-L-6-v2 is not in/);
    assert.match(error.message, /unset RERANK_MODEL/);
  });

  test('GIVEN a hub that does not answer THEN the download fails quickly with what to do', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await openWith({
      RERANK_MODEL: 'cross-encoder/some-reranker',
      CITEBOT_OFFLINE: 'false',
      HF_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    assert.equal(error.code, 'model_missing');
    assert.match(error.message, /could not download cross-encoder\/some-reranker/);
    assert.match(error.message, /unset it to answer without re-ranking/);
    await assertLibraryIntact();
  });

  test('GIVEN a cached hub re-ranker THEN it is used without a download', async () => {
    const cached = join(dataDir, 'models', 'someone', 'cached-reranker');
    mkdirSync(join(cached, '..'), { recursive: true });
    await createTinyCrossEncoder(cached, WORDS);
    // Hub folders hold the quantized file; the tiny graph stands in for it.
    renameSync(join(cached, 'onnx/model.onnx'), join(cached, 'onnx/model_quantized.onnx'));
    const engine = await openEngine(
      loadConfig(testEnv(dataDir, modelDir, { RERANK_MODEL: 'someone/cached-reranker', ANSWER_THRESHOLD: '0' })),
    );
    try {
      const r = await engine.internals.retrieve(QUESTION, { collections: ['library'], k: 1 });
      assert.equal(r.hits[0]?.article.id, 'crackdown');
    } finally {
      await engine.close();
    }
  });

  test('GIVEN a name that is neither a folder nor a model id THEN it is refused before anything loads', async () => {
    for (const name of ['constructor', 'not a model']) {
      const error = await openWith({ RERANK_MODEL: name });
      assert.equal(error.code, 'config_invalid');
      assert.match(error.message, new RegExp(`RERANK_MODEL "${name}" is neither a folder nor a model id`));
    }
  });

  test('GIVEN RERANK_CANDIDATES or RERANK_THRESHOLD out of range THEN the settings are refused with the variable named', () => {
    assert.throws(() => loadConfig({ RERANK_CANDIDATES: '1' }), /RERANK_CANDIDATES/);
    assert.throws(() => loadConfig({ RERANK_THRESHOLD: '1.5' }), /RERANK_THRESHOLD/);
  });
});
