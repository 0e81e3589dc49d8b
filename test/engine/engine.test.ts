import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine } from '../../src/engine.ts';
import { CitebotError } from '../../src/errors.ts';
import { LIBRARY_COLLECTION, type Article } from '../../src/types.ts';
import { openTestEngine, testEnv, tinyModel, type TestEngine } from '../helpers/engine.ts';
import { holdWriteLock } from '../helpers/sqlite-store.ts';
import { createTinyModel } from '../helpers/tiny-model.ts';

const SEED_TITLE = "President Tokayev: Kazakhstan unrest was attempted coup d'etat";

function article(id: string, paragraphs: string[], extra: Partial<Article> = {}): Article {
  return {
    id,
    title: `Title of ${id}`,
    date: '2024-05-01',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs,
    ...extra,
  };
}

const LIGHTHOUSE = article('lighthouse', [
  'The old lighthouse on Gannet Point was repainted in red and white stripes by a crew of nine volunteers.',
  'Restoration of the lantern room cost 48,500 pounds, paid for by a village lottery and a heritage grant.',
]);

/** Waits for the index snapshot written in the background after a change (test hook: the engine's index). */
function indexWritten(engine: CitebotEngine): Promise<void> {
  return engine.internals.vectors()!.flush();
}

async function expectCitebotError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CitebotError, `expected a CitebotError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('engine over the example articles', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine({ examples: true });
  });
  after(async () => t.cleanup());

  it('GIVEN "how many were detained as of January 10?" THEN the 7,939 paragraph answers first with its citation', async () => {
    const result = await t.engine.ask('how many were detained as of January 10?', {
      collections: [LIBRARY_COLLECTION],
    });
    assert.equal(result.answered, true);
    assert.equal(result.answer, '7,939');
    const top = result.passages[0]!;
    assert.match(top.text, /7,939 people have been detained/);
    assert.match(top.highlight, /7,939/);
    assert.deepEqual(
      {
        title: top.citation.title,
        source: top.citation.source,
        date: top.citation.date,
        article_id: top.citation.article_id,
      },
      { title: SEED_TITLE, source: 'TRT World and agencies', date: '2022-01-10', article_id: '000_8e2903e39626057e' },
    );
    assert.ok(top.citation.paragraph >= 1);
    assert.equal(result.articlesSearched, 8);
  });

  it('GIVEN a question nothing in the articles supports THEN it is declined with no passages', async () => {
    const result = await t.engine.ask('recipe for banana bread with walnuts', { collections: [LIBRARY_COLLECTION] });
    assert.equal(result.answered, false);
    assert.equal(result.answer, null);
    assert.deepEqual(result.passages, []);
  });

  it('GIVEN a related question scoring between the floor and the answer threshold THEN the closest passages come back, with no answer claimed, and it counts as unanswered', async () => {
    const cutoffs = t.engine.internals.cutoffs();
    try {
      t.engine.internals.setCutoffs({ threshold: 5, floor: 0.05 });
      const result = await t.engine.ask('How many protesters were detained in Kazakhstan?', {
        collections: [LIBRARY_COLLECTION],
        log: { collection: LIBRARY_COLLECTION },
      });
      assert.equal(result.answered, false);
      assert.equal(result.answer, null);
      assert.ok(result.passages.length > 0);
      assert.equal(result.passages[0]!.citation.article_id, '000_8e2903e39626057e');
      assert.ok(result.passages.every((p) => p.score >= 0.05));
      assert.ok(
        (await t.engine.stats(LIBRARY_COLLECTION)).unanswered.some(
          (u) => u.question === 'How many protesters were detained in Kazakhstan?',
        ),
      );
      t.engine.internals.setCutoffs({ threshold: 5, floor: 4 });
      const unrelated = await t.engine.ask('How many protesters were detained in Kazakhstan?', {
        collections: [LIBRARY_COLLECTION],
      });
      assert.deepEqual(unrelated.passages, []);
    } finally {
      t.engine.internals.setCutoffs(cutoffs);
    }
  });

  it('GIVEN k=8 THEN no article supplies more than PASSAGES_PER_ARTICLE (4) passages, besides the one closest in meaning', async () => {
    const result = await t.engine.internals.retrieve('Kazakhstan unrest protesters security detained', {
      collections: [LIBRARY_COLLECTION],
      k: 8,
    });
    const closest = result.hits.reduce((best, hit) => (hit.cosine > best.cosine ? hit : best));
    const perArticle = new Map<string, number>();
    for (const hit of result.hits)
      if (hit !== closest) perArticle.set(hit.article.id, (perArticle.get(hit.article.id) ?? 0) + 1);
    assert.equal(t.config.passagesPerArticle, 4);
    assert.ok(result.hits.length > 4);
    assert.ok(Math.max(...perArticle.values()) <= 4);
  });

  it('GIVEN the same question asked twice THEN the second highlights the same sentences without embedding them again', async () => {
    const pool = t.engine.internals.embeddingPool()!;
    const original = pool.embed.bind(pool);
    const embedded: string[] = [];
    pool.embed = (texts, options) => {
      embedded.push(...texts);
      return original(texts, options);
    };
    try {
      await t.engine.ingest(
        [
          article('harbour', [
            'The harbour reopened on Monday. Its new sea wall cost 12 million euros. Fishing boats returned at dawn.',
          ]),
        ],
        'g-highlight',
      );
      const question = 'How much did the harbour sea wall cost?';
      const asked = { collections: ['g-highlight'] };
      const first = await t.engine.ask(question, asked);
      const afterFirst = embedded.length;
      assert.ok(afterFirst > 1, "the first ask embeds the question and the first passage's sentences");
      const second = await t.engine.ask(question, asked);
      assert.ok(first.passages.length > 0);
      assert.deepEqual(
        second.passages.map((p) => p.highlight),
        first.passages.map((p) => p.highlight),
      );
      // The second ask embeds its question only: the first passage's sentences come from the cache.
      assert.deepEqual(embedded.slice(afterFirst), [question]);
    } finally {
      pool.embed = original;
    }
  });

  it('GIVEN the same articles again THEN nothing changes', async () => {
    const before = await t.engine.stats();
    const generation = await t.engine.internals.store.generation();
    const { outcomes } = await t.engine.ingestPaths([t.config.examplesDir], LIBRARY_COLLECTION);
    assert.ok(outcomes.length === 8 && outcomes.every((o) => o.status === 'unchanged'));
    assert.deepEqual(await t.engine.stats(), before);
    assert.equal(await t.engine.internals.store.generation(), generation);
  });

  it('GIVEN questions asked with logging THEN stats count them and list the unanswered, newest first', async () => {
    await t.engine.ask('how many were detained?', {
      collections: [LIBRARY_COLLECTION],
      log: { collection: 'g-stats' },
    });
    const first = await t.engine.ask('banana bread recipe', {
      collections: [LIBRARY_COLLECTION],
      log: { collection: 'g-stats' },
    });
    await t.engine.ask('walnut cake recipe', { collections: [LIBRARY_COLLECTION], log: { collection: 'g-stats' } });
    await t.engine.recordFeedback(first.questionId!, 'user-1', 'down');
    const stats = await t.engine.stats('g-stats');
    assert.equal(stats.questionsAsked, 3);
    assert.deepEqual(
      stats.unanswered.map((u) => u.question),
      ['walnut cake recipe', 'banana bread recipe'],
    );
    assert.deepEqual(stats.feedback, { up: 0, down: 1 });
    assert.deepEqual(await t.engine.question(first.questionId!), {
      question: 'banana bread recipe',
      collection: 'g-stats',
      filter: null,
    });
    assert.deepEqual(
      stats.downvoted.map((d) => [d.question, d.down]),
      [['banana bread recipe', 1]],
    );
    assert.deepEqual(stats.mostAsked, []);
  });

  it('GIVEN the same question asked again in other case and spacing THEN stats list it as asked most often, in its latest wording', async () => {
    const log = { collection: 'g-often' };
    for (const q of ['how many were detained?', 'How many were  detained?', 'HOW MANY WERE DETAINED?'])
      await t.engine.ask(q, { collections: [LIBRARY_COLLECTION], log });
    const cake = await t.engine.ask('walnut cake recipe', { collections: [LIBRARY_COLLECTION], log });
    await t.engine.ask('Walnut cake recipe', { collections: [LIBRARY_COLLECTION], log });
    await t.engine.ask('who won the 1998 world cup final?', { collections: [LIBRARY_COLLECTION], log });
    await t.engine.recordFeedback(cake.questionId!, 'user-1', 'down');
    await t.engine.recordFeedback(cake.questionId!, 'user-2', 'down');
    await t.engine.recordFeedback(cake.questionId!, 'user-3', 'up');
    const stats = await t.engine.stats('g-often');
    assert.deepEqual(stats.mostAsked, [
      { question: 'HOW MANY WERE DETAINED?', times: 3, answered: 3 },
      { question: 'Walnut cake recipe', times: 2, answered: 0 },
    ]);
    assert.deepEqual(
      stats.downvoted.map((d) => [d.question, d.down]),
      [['walnut cake recipe', 2]],
    );
    // Another collection's questions never show up here.
    assert.ok(!(await t.engine.stats('g-stats')).mostAsked.some((m) => /detained/i.test(m.question)));
  });
});

describe('engine ingest, update and delete', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
  });
  after(async () => t.cleanup());

  it('GIVEN a changed article THEN its passages are replaced with no duplicates or orphans', async () => {
    const [added] = await t.engine.ingest([LIGHTHOUSE], LIBRARY_COLLECTION);
    assert.equal(added!.status, 'added');
    const changed = {
      ...LIGHTHOUSE,
      paragraphs: ['The lighthouse keeper, Ada Quill, retired after forty-one years of lighting the lamp every dusk.'],
    };
    const [updated] = await t.engine.ingest([changed], LIBRARY_COLLECTION);
    assert.deepEqual([updated!.status, updated!.passages], ['updated', 1]);
    const store = t.engine.internals.store;
    assert.equal(await store.countPassages(), 1);
    // Every stored passage comes back with its article (no orphans) and its terms.
    const rows = [...(await store.candidates([...(await store.allPassageIds())])).values()];
    assert.deepEqual(
      rows.map((row) => [row.article.id, row.passage.text]),
      [['lighthouse', changed.paragraphs[0]]],
    );
    assert.ok(rows[0]!.terms.includes('quill'), rows[0]!.terms.join(' '));
    assert.equal((await t.engine.stats()).indexSize, 1);
    const old = await t.engine.internals.retrieve('lottery heritage grant lantern', {
      collections: [LIBRARY_COLLECTION],
      k: 5,
      mode: 'bm25',
    });
    assert.equal(old.hits.length, 0);
    const fresh = await t.engine.ask('who is the lighthouse keeper?', { collections: [LIBRARY_COLLECTION] });
    assert.match(fresh.passages[0]!.text, /Ada Quill/);
  });

  it('GIVEN an article in a guild collection THEN only that guild sees it', async () => {
    await t.engine.ingest(
      [
        article('guild-only', [
          'The ferry timetable to Skerra Island changes on Saturday, with an extra sailing at dawn for commuters.',
        ]),
      ],
      'g1',
    );
    const inLibrary = await t.engine.ask('ferry timetable Skerra Island', { collections: [LIBRARY_COLLECTION] });
    const inOtherGuild = await t.engine.ask('ferry timetable Skerra Island', {
      collections: [LIBRARY_COLLECTION, 'g2'],
    });
    const inGuild = await t.engine.ask('ferry timetable Skerra Island', { collections: [LIBRARY_COLLECTION, 'g1'] });
    assert.equal(
      inLibrary.passages.some((p) => p.citation.article_id === 'guild-only'),
      false,
    );
    assert.equal(
      inOtherGuild.passages.some((p) => p.citation.article_id === 'guild-only'),
      false,
    );
    assert.equal(inGuild.passages[0]?.citation.article_id, 'guild-only');
  });

  it('GIVEN an article is removed THEN its passages leave the store, the index and the answers', async () => {
    const sizeBefore = (await t.engine.stats()).indexSize;
    const removed = await t.engine.removeArticle('g1', 'guild-only');
    assert.equal(removed?.id, 'guild-only');
    assert.equal((await t.engine.stats()).indexSize, sizeBefore - 1);
    assert.equal(await t.engine.countArticles('g1'), 0);
    const after = await t.engine.ask('ferry timetable Skerra Island', { collections: [LIBRARY_COLLECTION, 'g1'] });
    assert.equal(
      after.passages.some((p) => p.citation.article_id === 'guild-only'),
      false,
    );
    assert.equal(await t.engine.removeArticle('g1', 'guild-only'), null);
  });

  it('GIVEN an ingest of many passages THEN the main event loop keeps running', async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      article(
        `bulk-${i}`,
        Array.from(
          { length: 5 },
          (_, j) =>
            `Bulk paragraph ${j} of article ${i} talks about harbour cranes, tides and cargo manifests at length.`,
        ),
      ),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await t.engine.ingest(many, 'bulk');
    clearInterval(timer);
    assert.equal((await t.engine.stats('bulk')).passages, 200);
    assert.ok(ticks >= 5, `the event loop was blocked: only ${ticks} timer ticks during the ingest`);
  });
});

describe('engine persistence and recovery', () => {
  let dataDir: string;
  before(async () => {
    const t = await openTestEngine({ examples: true });
    dataDir = t.dataDir;
    await t.engine.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function reopen(extra: Record<string, string> = {}) {
    return openEngine(loadConfig(testEnv(dataDir, await tinyModel(), extra)));
  }

  it('GIVEN a reopened store THEN the persisted index is loaded, not rebuilt', async () => {
    const engine = await reopen();
    try {
      assert.equal((await engine.stats()).indexSize, (await engine.stats()).passages);
      const result = await engine.ask('how many were detained?', { collections: [LIBRARY_COLLECTION] });
      assert.match(result.passages[0]!.text, /people have been detained/);
    } finally {
      await engine.close();
    }
  });

  for (const [what, damage] of [
    ['removed', () => rmSync(join(dataDir, 'index.hnsw'))],
    [
      'corrupted',
      () => writeFileSync(join(dataDir, 'index.hnsw'), Buffer.from('this is not an hnsw index'.repeat(40))),
    ],
    [
      'truncated',
      () => writeFileSync(join(dataDir, 'index.hnsw'), readFileSync(join(dataDir, 'index.hnsw')).subarray(0, 100)),
    ],
  ] as const) {
    it(`GIVEN the index file is ${what} THEN it is rebuilt from the store and answers still come`, async () => {
      damage();
      const notices: string[] = [];
      const engine = await openEngine(loadConfig(testEnv(dataDir, await tinyModel())), {
        notice: (m) => notices.push(m),
      });
      try {
        assert.equal((await engine.stats()).indexSize, (await engine.stats()).passages);
        const result = await engine.ask('how many were detained?', { collections: [LIBRARY_COLLECTION] });
        assert.match(result.passages[0]!.text, /people have been detained/);
        if (what !== 'removed')
          assert.ok(
            notices.some((n) => /rebuilt the vector index/.test(n)),
            notices.join('\n'),
          );
        assert.ok(existsSync(join(dataDir, 'index.hnsw')));
      } finally {
        await engine.close();
      }
    });
  }

  it('GIVEN the index file is older than the store (stopped before saving) THEN it is loaded and the changes since are replayed, not rebuilt', async () => {
    // The snapshot: the manifest and one file per partition (index.hnsw, index.1.hnsw, …).
    const snapshot = readdirSync(dataDir)
      .filter((name) => /^index(\.\d+)?\.hnsw$|^index\.json$/.test(name))
      .map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
    const engine = await reopen();
    await engine.ingest([LIGHTHOUSE], 'g-stale');
    const lighthousePassages = (await engine.stats('g-stale')).passages;
    await engine.close();
    for (const { name, bytes } of snapshot) writeFileSync(join(dataDir, name), bytes);
    const notices: string[] = [];
    const reopened = await openEngine(loadConfig(testEnv(dataDir, await tinyModel())), {
      notice: (m) => notices.push(m),
    });
    try {
      assert.deepEqual(notices, [
        `loaded the vector index and took in ${lighthousePassages} ${lighthousePassages === 1 ? 'passage' : 'passages'} changed after it was saved`,
      ]);
      assert.equal((await reopened.stats()).indexSize, (await reopened.stats()).passages);
      const result = await reopened.internals.retrieve(LIGHTHOUSE.paragraphs[0]!, {
        collections: ['g-stale'],
        k: 1,
        mode: 'dense',
      });
      assert.equal(result.hits[0]?.article.id, 'lighthouse');
    } finally {
      await reopened.close();
    }
    // The replayed index was saved again: the next open loads it directly.
    const notices2: string[] = [];
    const again = await openEngine(loadConfig(testEnv(dataDir, await tinyModel())), {
      notice: (m) => notices2.push(m),
    });
    await again.close();
    assert.deepEqual(notices2, []);
  });

  it('GIVEN a manifest that does not belong to the index file THEN the index is rebuilt', async () => {
    const staleManifest = readFileSync(join(dataDir, 'index.json'), 'utf8');
    const engine = await reopen();
    await engine.ingest(
      [
        {
          ...LIGHTHOUSE,
          id: 'lighthouse-2',
          paragraphs: ['Volunteers also repaired the keeper cottage roof in October.'],
        },
      ],
      'g-stale',
    );
    await engine.close();
    writeFileSync(join(dataDir, 'index.json'), staleManifest);
    const notices: string[] = [];
    const reopened = await openEngine(loadConfig(testEnv(dataDir, await tinyModel())), {
      notice: (m) => notices.push(m),
    });
    try {
      assert.ok(
        notices.some((n) => /rebuilt the vector index from the store \(the file is damaged/.test(n)),
        notices.join('\n'),
      );
      assert.equal((await reopened.stats()).indexSize, (await reopened.stats()).passages);
    } finally {
      await reopened.close();
    }
  });

  it('GIVEN another model in MODEL_DIR THEN the index refuses it and names reindex', async () => {
    const otherDir = join(mkdtempSync(join(tmpdir(), 'citebot-other-')), 'other-model');
    const spec = await createTinyModel(otherDir, { seed: 7, dim: 32, id: 'other-tiny' });
    writeFileSync(join(otherDir, 'citebot.json'), JSON.stringify({ id: spec.id, pooling: 'mean' }));
    await expectCitebotError(
      openEngine(loadConfig(testEnv(dataDir, otherDir))),
      'index_model_mismatch',
      /built with citebot-tiny.*other-tiny.*reindex --model other-tiny/s,
    );
    await expectCitebotError(
      openEngine(loadConfig(testEnv(dataDir, otherDir, { EMBEDDING_MODEL: 'keyword' }))),
      'index_model_mismatch',
      /reindex/,
    );
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('GIVEN reindex to keyword-only THEN answers still come and the new model is recorded', async () => {
    const engine = await reopen();
    const result = await engine.reindex('keyword');
    await engine.close();
    assert.equal(result.to, 'keyword');
    const keyword = await openEngine(loadConfig(testEnv(dataDir, '', { EMBEDDING_MODEL: 'keyword', MODEL_DIR: '' })));
    try {
      assert.equal(keyword.model().kind, 'keyword');
      const answer = await keyword.ask('how many were detained?', { collections: [LIBRARY_COLLECTION] });
      assert.match(answer.passages[0]!.text, /people have been detained/);
    } finally {
      await keyword.close();
    }
  });

  it('GIVEN a corrupt database file THEN opening fails with a clear message and the file is untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-corrupt-'));
    const garbage = Buffer.alloc(8192, 7);
    writeFileSync(join(dir, 'citebot.db'), garbage);
    await expectCitebotError(
      openEngine(loadConfig(testEnv(dir, await tinyModel()))),
      'store_corrupt',
      /not a readable citebot database.*backup/,
    );
    assert.deepEqual(readFileSync(join(dir, 'citebot.db')), garbage);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN a database locked by another writer THEN a write fails with a clear message and nothing is lost', async () => {
    const engine = await reopen({ EMBEDDING_MODEL: 'keyword', MODEL_DIR: '' });
    const release = holdWriteLock(dataDir);
    try {
      const before = await engine.countArticles(LIBRARY_COLLECTION);
      await expectCitebotError(
        engine.ingest(
          [
            article('blocked', [
              'A paragraph that cannot be written while another process holds the lock on the store.',
            ]),
          ],
          LIBRARY_COLLECTION,
        ),
        'store_locked',
        /locked by another process/,
      );
      assert.equal(await engine.countArticles(LIBRARY_COLLECTION), before);
    } finally {
      release();
      await engine.close();
    }
  });

  it('GIVEN the index file cannot be written (a full disk) THEN the ingest still succeeds with a notice, no temporary file is left, and the next open catches the file up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-nowrite-'));
    const notices: string[] = [];
    const engine = await openEngine(loadConfig(testEnv(dir, await tinyModel())), { notice: (m) => notices.push(m) });
    const indexFile = join(dir, 'index.hnsw');
    let saved: Buffer | null = null;
    try {
      await engine.ingest([LIGHTHOUSE], LIBRARY_COLLECTION);
      await indexWritten(engine);
      // A directory in the index file's place makes the snapshot's final rename fail, after its temporary file was written.
      saved = readFileSync(indexFile);
      rmSync(indexFile);
      mkdirSync(indexFile);
      const outcomes = await engine.ingest(
        [article('gulls', ['A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.'])],
        LIBRARY_COLLECTION,
      );
      assert.equal(outcomes[0]?.status, 'added');
      await indexWritten(engine);
      assert.ok(
        notices.some((n) =>
          /^the change is stored, but the vector index file could not be written \(.+\); searches are unaffected/.test(
            n,
          ),
        ),
        notices.join('\n'),
      );
      assert.deepEqual(
        readdirSync(dir).filter((name) => name.endsWith('.tmp')),
        [],
      );
      const found = await engine.internals.retrieve(
        'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.',
        { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
      );
      assert.equal(found.hits[0]?.article.id, 'gulls');
    } finally {
      await engine.close();
      rmSync(indexFile, { recursive: true, force: true });
      if (saved) writeFileSync(indexFile, saved);
    }
    const reopenedNotices: string[] = [];
    const reopened = await openEngine(loadConfig(testEnv(dir, await tinyModel())), {
      notice: (m) => reopenedNotices.push(m),
    });
    try {
      assert.deepEqual(reopenedNotices, ['loaded the vector index and took in 1 passage changed after it was saved']);
      const found = await reopened.internals.retrieve(
        'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.',
        { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
      );
      assert.equal(found.hits[0]?.article.id, 'gulls');
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN another running process holding the index files lock THEN a save waits for it; a lock whose holder died is taken over at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-lock-'));
    const notices: string[] = [];
    const engine = await openEngine(loadConfig(testEnv(dir, await tinyModel())), { notice: (m) => notices.push(m) });
    const lock = join(dir, 'index.lock');
    const savedGeneration = () =>
      (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { generation: number }).generation;
    try {
      await engine.ingest([LIGHTHOUSE], LIBRARY_COLLECTION);
      await indexWritten(engine);
      const before = savedGeneration();
      // A child process stands in for the other citebot: its pid runs.
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      other.unref();
      writeFileSync(lock, String(other.pid));
      let saved = false;
      // The ingest itself does not wait: the snapshot is written in the background, and waits for the lock.
      await engine.ingest(
        [article('gulls', ['A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.'])],
        LIBRARY_COLLECTION,
      );
      const saving = indexWritten(engine).then(() => (saved = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(saved, false, 'the save did not wait for the lock');
      assert.equal(savedGeneration(), before);
      rmSync(lock);
      other.kill();
      await saving;
      assert.ok(savedGeneration() > before);
      assert.ok(!existsSync(lock), 'the lock was not released');

      // A pid that no longer runs (a child process that has exited), and this process's own pid
      // (a restarted container's first process gets its predecessor's): both are left over.
      for (const [pid, change] of [
        [spawnSync(process.execPath, ['-e', '']).pid!, () => engine.removeArticle(LIBRARY_COLLECTION, 'gulls')],
        [
          process.pid,
          () =>
            engine.ingest(
              [LIGHTHOUSE, article('terns', ['Terns nested on the pier this spring, the harbour master said.'])],
              LIBRARY_COLLECTION,
            ),
        ],
      ] as const) {
        const generation = savedGeneration();
        writeFileSync(lock, String(pid));
        const started = Date.now();
        await change();
        await indexWritten(engine);
        assert.ok(Date.now() - started < 5000, `the abandoned lock of pid ${pid} was waited for`);
        assert.ok(savedGeneration() > generation);
        assert.ok(!existsSync(lock));
      }
      assert.ok(!notices.some((n) => n.includes('without the index files')), notices.join('\n'));
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
