/**
 * citebot processes on one PostgreSQL, as operators run them: the SQLite store migrated with
 * `migrate-to-postgres`, then the CLI (its own process) and an engine (this process) sharing the
 * database. Real CLI processes, the tiny generated model, a throwaway PostgreSQL.
 *   node --import tsx --test test/store/postgres/processes.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../helpers/cli.ts';
import { openTestEngine, testEnv, tinyModel, until } from '../../helpers/engine.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';

let cluster: PostgresCluster;
const dirs: string[] = [];
before(async () => {
  cluster = await startPostgres();
});
after(() => {
  cluster.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

test('GIVEN a SQLite store WHEN migrate-to-postgres runs THEN PostgreSQL holds the same library and answers as SQLite did', async () => {
  const dataDir = tempDir('citebot-migrate-');
  const env = testEnv(dataDir, await tinyModel(), { AUTO_INGEST_EXAMPLES: 'true' });
  const onSqlite = await runCli(['ask', '--json', 'how many were detained?'], env);
  assert.equal(onSqlite.code, 0, onSqlite.stderr);
  const url = await cluster.createDatabase();

  const migrated = await runCli(['migrate-to-postgres', '--json'], { ...env, DATABASE_URL: url });
  assert.equal(migrated.code, 0, migrated.stderr);
  const report = JSON.parse(migrated.stdout) as { articles: number; passages: number; model: string; from: string };
  assert.equal(report.articles, 8);
  assert.ok(report.passages > 8);
  assert.equal(report.from, join(dataDir, 'citebot.db'));

  const pgEnv = { ...env, DATABASE_URL: url, AUTO_INGEST_EXAMPLES: 'false' };
  const stats = JSON.parse((await runCli(['stats', '--json'], pgEnv)).stdout) as {
    store: { backend: string };
    articles: number;
    passages: number;
    model: string;
  };
  assert.deepEqual(
    [stats.store.backend, stats.articles, stats.passages, stats.model],
    ['postgres', 8, report.passages, report.model],
  );
  const onPostgres = await runCli(['ask', '--json', 'how many were detained?'], pgEnv);
  assert.equal(onPostgres.code, 0, onPostgres.stderr);
  assert.deepEqual(JSON.parse(onPostgres.stdout), JSON.parse(onSqlite.stdout));

  const again = await runCli(['migrate-to-postgres'], { ...env, DATABASE_URL: url });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds 8 articles; migrate-to-postgres copies into an empty database only/);
});

test('GIVEN an engine running on PostgreSQL WHEN the CLI ingests an article in its own process THEN the engine answers it within 1 s', async () => {
  const url = await cluster.createDatabase();
  const bot = await openTestEngine({ env: { DATABASE_URL: url } });
  try {
    assert.equal(
      (await bot.engine.ask('When did the lighthouse on Karsa Point go dark?', { collections: ['library'] })).answered,
      false,
    );
    const files = tempDir('citebot-files-');
    writeFileSync(
      join(files, 'lighthouse.txt'),
      'Karsa Point lighthouse goes dark\n\nThe lighthouse on Karsa Point went dark on 4 March after 140 years of service.\n',
    );
    const ingest = await runCli(['ingest', '--json', join(files, 'lighthouse.txt')], {
      ...testEnv(tempDir('citebot-cli-'), bot.modelDir),
      DATABASE_URL: url,
    });
    assert.equal(ingest.code, 0, ingest.stderr);
    const committed = Date.now();
    await until(
      async () =>
        (await bot.engine.ask('When did the lighthouse on Karsa Point go dark?', { collections: ['library'] }))
          .answered,
      'the article to be answered',
      1000,
    );
    assert.ok(Date.now() - committed <= 1000);
    const top = (await bot.engine.ask('When did the lighthouse on Karsa Point go dark?', { collections: ['library'] }))
      .passages[0]!;
    assert.match(top.text, /went dark on 4 March/);
  } finally {
    await bot.cleanup();
  }
});

test('GIVEN an engine on PostgreSQL WHEN the server stops THEN questions are answered from its caches, ingest is refused, and both work again after it returns', async () => {
  const own = await startPostgres();
  const bot = await openTestEngine({ examples: true, env: { DATABASE_URL: await own.createDatabase() } });
  const question = 'how many were detained as of January 10?';
  const article = (id: string, text: string) => ({
    id,
    title: id,
    date: '2024-05-01',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs: [text],
  });
  try {
    const asked = { collections: ['library'], log: { collection: 'library' } };
    const before = await bot.engine.ask(question, asked);
    assert.equal(before.answer, '7,939');
    own.stopServer('fast');
    const during = await bot.engine.ask(question, asked);
    assert.equal(during.answer, '7,939');
    assert.deepEqual(during.passages, before.passages);
    assert.equal(during.questionId, null, 'not logged while the database is away');
    await assert.rejects(
      bot.engine.ingest([article('late', 'Too late to store.')], 'library'),
      /unreachable .*nothing was changed/,
    );
    own.startServer();
    await until(
      () =>
        bot.engine
          .ingest(
            [article('calm', 'The lighthouse on Karsa Point went dark on 4 March after 140 years of service.')],
            'library',
          )
          .then(
            () => true,
            () => false,
          ),
      'ingest after the return',
      15_000,
    );
    const after = await bot.engine.ask('When did the lighthouse on Karsa Point go dark?', asked);
    assert.match(after.passages[0]!.text, /went dark on 4 March/);
    assert.notEqual(after.questionId, null);
  } finally {
    await bot.cleanup();
    own.destroy();
  }
});
