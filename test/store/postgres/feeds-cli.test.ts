/**
 * Followed feeds on PostgreSQL as operators run them: `citebot feeds …` CLI processes on two
 * "machines" (two DATA_DIRs) sharing one database, polling a real feed server on 127.0.0.1.
 *   node --import tsx --test test/store/postgres/feeds-cli.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { runCli } from '../../helpers/cli.ts';
import { testEnv, tinyModel } from '../../helpers/engine.ts';
import { fullText, rss, startFeedServer, type FeedServer } from '../../helpers/feed-server.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';

let cluster: PostgresCluster;
let server: FeedServer;
const dirs: string[] = [];
before(async () => {
  cluster = await startPostgres();
  server = await startFeedServer();
  server.routes.set('/wire.xml', {
    body: rss('Harbour Wire', [
      {
        title: 'Lock gates replaced',
        link: `${server.base}/news/lock`,
        guid: 'lock-1',
        pubDate: 'Thu, 09 May 2024 09:00:00 GMT',
        content: fullText(
          'lock',
          'The canal lock gates were replaced in 11 days by a crew of 30, the waterways office said.',
        ),
      },
    ]),
  });
});
after(async () => {
  await server.close();
  cluster.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('GIVEN DATABASE_URL WHEN one machine follows a feed THEN another polls it from the same database, the items and health are there for both, and no SQLite file holds feeds', async () => {
  const url = await cluster.createDatabase();
  const modelDir = await tinyModel();
  const machine = () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-pg-feeds-'));
    dirs.push(dir);
    return testEnv(dir, modelDir, { EMBEDDING_MODEL: 'keyword', ALLOW_PRIVATE_HOSTS: '127.0.0.1', DATABASE_URL: url });
  };
  const one = machine();
  const two = machine();

  const added = await runCli(['feeds', 'add', `${server.base}/wire.xml`, '--every', '30m', '--json'], one);
  assert.equal(added.code, 0, added.stderr);
  const again = await runCli(['feeds', 'add', `${server.base}/wire.xml`], two);
  assert.notEqual(again.code, 0, 'the other machine sees the feed is already followed');
  assert.match(again.stderr, /already followed here/);

  const poll = await runCli(['feeds', 'poll'], two);
  assert.equal(poll.code, 0, poll.stderr);
  assert.match(poll.stdout, /^1 feed\(s\): 1 new, 0 updated, 0 unchanged, 0 failed/);
  // Polled again from the first machine: the item is already seen (kept in PostgreSQL).
  const repoll = await runCli(['feeds', 'poll'], one);
  assert.match(repoll.stdout, /^1 feed\(s\): 0 new, 0 updated/);

  const list = await runCli(['feeds', 'list'], one);
  assert.match(list.stdout, /Harbour Wire · every 30m · library · 1 article\(s\)/);
  const ask = await runCli(['ask', '--json', 'in how many days were the canal lock gates replaced?'], one);
  assert.match((JSON.parse(ask.stdout) as { passages: { text: string }[] }).passages[0]!.text, /11 days/);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const feeds = await client.query('SELECT title, items, failures FROM feeds');
    assert.deepEqual(feeds.rows, [{ title: 'Harbour Wire', items: 1, failures: 0 }]);
    const seen = await client.query('SELECT key FROM feed_items');
    assert.deepEqual(seen.rows, [{ key: 'lock-1' }]);
  } finally {
    await client.end();
  }
  for (const env of [one, two]) assert.ok(!existsSync(join(env.DATA_DIR!, 'citebot.db')), 'no SQLite store was made');
});
