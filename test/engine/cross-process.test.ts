/**
 * An editor runs `npm run ingest` or `remove` while the bot runs on the same data directory.
 * The bot's vector index lives in its own memory: it must take in what the CLI process wrote
 * (from the store's change log) without a restart, and never save a file that lacks it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.ts';
import { LIBRARY_COLLECTION } from '../../src/types.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestEngine, testEnv, until, type TestEngine } from '../helpers/engine.ts';
import { downgradeStore, openSqliteStore, schemaVersionOf } from '../helpers/sqlite-store.ts';

const GULLS = 'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.';

function loadedAs(t: TestEngine): string {
  return t.engine.internals.vectors()!.loadedAs;
}

async function denseTop(t: TestEngine, text: string, k = 1): Promise<string[]> {
  const result = await t.engine.internals.retrieve(text, { collections: [LIBRARY_COLLECTION], k, mode: 'dense' });
  return result.hits.map((h) => h.passage.text);
}

describe('the bot and the CLI on one data directory', () => {
  let files: string;
  before(() => {
    files = mkdtempSync(join(tmpdir(), 'citebot-cross-'));
  });
  after(() => rmSync(files, { recursive: true, force: true }));

  function articleFile(name: string, article: object): string {
    const file = join(files, name);
    writeFileSync(file, JSON.stringify(article));
    return file;
  }

  it('GIVEN the bot running WHEN the CLI adds and removes articles THEN the bot searches them by meaning at once, and its saved index has them', async () => {
    const bot = await openTestEngine({ examples: true });
    try {
      const env = testEnv(bot.dataDir, bot.modelDir);
      const before = (await bot.engine.stats()).passages;
      const removedTitle = (await bot.engine.listArticles(LIBRARY_COLLECTION))[0]!;
      const ofRemoved = await bot.engine.internals.retrieve(removedTitle.title, {
        collections: [LIBRARY_COLLECTION],
        k: 20,
        mode: 'bm25',
      });
      const removedText = ofRemoved.hits.find((h) => h.article.id === removedTitle.id)!.passage.text;
      assert.deepEqual(await denseTop(bot, removedText), [removedText]);

      const added = await runCli(
        [
          'ingest',
          articleFile('gulls.json', {
            id: 'gulls',
            title: 'Gull count',
            date: '2024-06-01',
            source: 'Coast Wire',
            paragraphs: [GULLS],
          }),
          '--json',
        ],
        env,
      );
      assert.equal(added.code, 0, added.stderr);
      const removed = await runCli(['remove', removedTitle.id, '--json'], env);
      assert.equal(removed.code, 0, removed.stderr);

      // No restart: the next search takes in both changes.
      assert.deepEqual(await denseTop(bot, GULLS), [GULLS]);
      assert.ok(
        !(await denseTop(bot, removedText, 5)).includes(removedText),
        'a passage the CLI removed is still found by meaning',
      );
      const stats = await bot.engine.stats();
      assert.equal(stats.indexSize, stats.passages);
      assert.equal(stats.passages, before + 1 - removedTitle.passages);

      // The bot's own change afterwards saves a file that holds the CLI's changes too.
      await bot.engine.ingest(
        [
          {
            id: 'tide',
            title: 'Tide tables',
            date: null,
            source: 'Coast Wire',
            section: null,
            url: null,
            paragraphs: ['The spring tide reached 6.2 metres at the harbour gauge.'],
          },
        ],
        LIBRARY_COLLECTION,
      );
      await bot.engine.close();
      const reopened = await openTestEngine({ dataDir: bot.dataDir });
      try {
        assert.equal(loadedAs(reopened), 'loaded');
        assert.deepEqual(await denseTop(reopened, GULLS), [GULLS]);
        assert.equal((await reopened.engine.stats()).indexSize, (await reopened.engine.stats()).passages);
      } finally {
        await reopened.engine.close();
      }
    } finally {
      await bot.cleanup();
    }
  });

  it('GIVEN a large import by the CLI THEN the bot replays it in slices, searching meanwhile', async () => {
    const bot = await openTestEngine({ examples: true });
    try {
      const paragraphs = Array.from(
        { length: 400 },
        (_, i) => `Survey note ${i}: the harbour crane ${7000 + i} was inspected after ${i + 3} days.`,
      );
      const run = await runCli(
        ['ingest', articleFile('survey.json', { id: 'survey', title: 'Crane survey', paragraphs })],
        testEnv(bot.dataDir, bot.modelDir),
      );
      assert.equal(run.code, 0, run.stderr);
      const total = (await bot.engine.stats()).passages;
      // More than can be replayed at once: the first look starts the replay, and it grows slice by slice.
      assert.ok((await bot.engine.stats()).indexSize < total, 'the whole import was replayed in one step');
      const meanwhile = await bot.engine.ask('which crane was inspected after 402 days?', {
        collections: [LIBRARY_COLLECTION],
      });
      assert.match(meanwhile.passages[0]?.text ?? '', /crane 7399 was inspected/);
      await until(async () => (await bot.engine.stats()).indexSize === total, 'the import is replayed');
      assert.deepEqual(await denseTop(bot, paragraphs[399]!), [paragraphs[399]]);
    } finally {
      await bot.cleanup();
    }
  });

  it('GIVEN a change log pruned past the bot index THEN the bot rebuilds it in the background instead', async () => {
    const notices: string[] = [];
    const bot = await openTestEngine({ examples: true, engineOptions: { notice: (m) => notices.push(m) } });
    try {
      const run = await runCli(
        ['ingest', articleFile('gulls2.json', { id: 'gulls', title: 'Gull count', paragraphs: [GULLS] })],
        testEnv(bot.dataDir, bot.modelDir),
      );
      assert.equal(run.code, 0, run.stderr);
      // What pruning does once 20,000 generations have passed: the log starts after the change.
      const other = openSqliteStore(bot.dataDir);
      await other.pruneChanges(await other.generation());
      await other.close();
      await bot.engine.stats();
      assert.match(notices.join('\n'), /rebuilding the vector index: the store changed more than its change log keeps/);
      await until(
        () => notices.some((n) => n.startsWith('rebuilt the vector index from the store:')),
        'the rebuild is saved',
      );
      assert.deepEqual(await denseTop(bot, GULLS), [GULLS]);
      assert.equal((await bot.engine.stats()).indexSize, (await bot.engine.stats()).passages);
    } finally {
      await bot.cleanup();
    }
  });

  it('GIVEN the CLI re-embeds the library with another model while the bot runs THEN the bot refuses to search or write with its old one and says to restart', async () => {
    const bot = await openTestEngine({ examples: true });
    try {
      const run = await runCli(['reindex', '--model', 'keyword', '--json'], testEnv(bot.dataDir, bot.modelDir));
      assert.equal(run.code, 0, run.stderr);
      const articles = await bot.engine.countArticles(LIBRARY_COLLECTION);
      const restart =
        /re-embedded with keyword by another citebot process \(npm run reindex\) while this one runs with citebot-tiny\S*; restart citebot/;
      await assert.rejects(bot.engine.ask('how many were detained?', { collections: [LIBRARY_COLLECTION] }), restart);
      await assert.rejects(
        bot.engine.ingest(
          [
            {
              id: 'gulls',
              title: 'Gull count',
              date: null,
              source: null,
              section: null,
              url: null,
              paragraphs: [GULLS],
            },
          ],
          LIBRARY_COLLECTION,
        ),
        restart,
      );
      assert.equal(
        await bot.engine.countArticles(LIBRARY_COLLECTION),
        articles,
        'the bot wrote old-model vectors into the re-embedded store',
      );
    } finally {
      await bot.cleanup();
    }
  });

  it('GIVEN a schema-2 store, whose question log has no filter column THEN it is upgraded in place: old questions read back unfiltered, new ones keep their filter', async () => {
    const first = await openTestEngine({ examples: true });
    const oldId = (
      await first.engine.ask('how many were detained?', {
        collections: [LIBRARY_COLLECTION],
        log: { collection: 'g1' },
      })
    ).questionId!;
    await first.engine.close();
    downgradeStore(first.dataDir, 2);
    const upgraded = await openTestEngine({ dataDir: first.dataDir });
    try {
      assert.equal(loadedAs(upgraded), 'loaded');
      assert.deepEqual(await upgraded.engine.question(oldId), {
        question: 'how many were detained?',
        collection: 'g1',
        filter: null,
      });
      const filter = { since: '2022-01-01', source: 'TRT' };
      const asked = await upgraded.engine.ask('how many were detained?', {
        collections: [LIBRARY_COLLECTION],
        filter,
        log: { collection: 'g1' },
      });
      assert.deepEqual((await upgraded.engine.question(asked.questionId!))?.filter, filter);
      assert.deepEqual(
        (await upgraded.engine.questions('g1', { limit: 5 })).map((q) => q.filter),
        [filter, null],
      );
      assert.equal(schemaVersionOf(first.dataDir), SCHEMA_VERSION);
    } finally {
      await upgraded.cleanup();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('GIVEN a store written before the change log existed THEN it is upgraded in place and its saved index still loads as is', async () => {
    const first = await openTestEngine({ examples: true });
    await first.engine.close();
    downgradeStore(first.dataDir, 1);
    const upgraded = await openTestEngine({ dataDir: first.dataDir });
    try {
      assert.equal(loadedAs(upgraded), 'loaded');
      assert.equal(schemaVersionOf(first.dataDir), SCHEMA_VERSION);
      // The log starts at the upgrade: it reaches back to the current generation, not before it.
      const store = upgraded.engine.internals.store;
      const upgradedAt = await store.generation();
      assert.ok(upgradedAt > 0);
      assert.deepEqual(await store.changesSince(upgradedAt), []);
      assert.equal(await store.changesSince(upgradedAt - 1), null);
      await upgraded.engine.ingest(
        [{ id: 'gulls', title: 'Gull count', date: null, source: null, section: null, url: null, paragraphs: [GULLS] }],
        LIBRARY_COLLECTION,
      );
      assert.deepEqual((await store.changesSince((await store.generation()) - 1))?.length, 1);
    } finally {
      await upgraded.cleanup();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
