/** `citebot feeds …` as operators run it: a real CLI process polling a real server on 127.0.0.1. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';
import { fullText, rss, startFeedServer, type FeedServer } from '../helpers/feed-server.ts';

describe('citebot feeds', () => {
  let server: FeedServer;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await startFeedServer();
    server.routes.set('/wire.xml', {
      body: rss('Harbour Wire', [
        {
          title: 'Lock gates replaced',
          link: `${server.base}/news/lock`,
          guid: 'lock-1',
          pubDate: 'Thu, 09 May 2024 09:00:00 GMT',
          author: 'desk@wire.example (Ines Okafor)',
          content: fullText(
            'lock',
            'The canal lock gates were replaced in 11 days by a crew of 30, the waterways office said.',
          ),
        },
      ]),
    });
    server.routes.set('/down.xml', { status: 503, body: 'maintenance' });
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-cli-feeds-'));
    env = testEnv(dataDir, await tinyModel(), { EMBEDDING_MODEL: 'keyword', ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GIVEN feeds added THEN poll indexes them with a summary naming failures, ask answers from them, list shows health, remove stops following', async () => {
    const tooOften = await runCli(['feeds', 'add', `${server.base}/wire.xml`, '--every', '1m'], env);
    assert.equal(tooOften.code, 2);
    assert.match(tooOften.stderr, /"1m" is not a feed interval; give one from 5m to 7d/);

    const added = await runCli(['feeds', 'add', `${server.base}/wire.xml`, '--every', '30m', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const feed = (JSON.parse(added.stdout) as { feed: { id: number; everyMs: number } }).feed;
    assert.equal(feed.everyMs, 30 * 60_000);
    assert.equal((await runCli(['feeds', 'add', `${server.base}/down.xml`], env)).code, 0);

    const poll = await runCli(['feeds', 'poll'], env);
    assert.equal(poll.code, 1, 'a failed feed makes the exit code 1');
    assert.match(poll.stdout, /^2 feed\(s\): 1 new, 0 updated, 0 unchanged, 1 failed/);
    assert.match(poll.stdout, /✗ http:\/\/127\.0\.0\.1:\d+\/down\.xml: .*answered 503/);

    const ask = await runCli(['ask', '--json', 'in how many days were the canal lock gates replaced?'], env);
    const answer = JSON.parse(ask.stdout) as {
      passages: { text: string; citation: { source: string; author?: string } }[];
    };
    assert.match(answer.passages[0]!.text, /11 days/);
    assert.equal(answer.passages[0]!.citation.source, 'Harbour Wire');
    assert.equal(answer.passages[0]!.citation.author, 'Ines Okafor');

    const list = await runCli(['feeds', 'list'], env);
    assert.match(list.stdout, new RegExp(`\\[${feed.id}\\] Harbour Wire · every 30m · library · 1 article\\(s\\)`));
    assert.match(list.stdout, /failing ×1 since .*answered 503/);

    const sources = await runCli(['sources'], env);
    assert.equal(sources.code, 0, sources.stderr);
    assert.match(
      sources.stdout,
      new RegExp(
        `Lock gates replaced  \\(by Ines Okafor, Harbour Wire, 2024-05-09; .*; via feed \\[${feed.id}\\] Harbour Wire\\)`,
      ),
    );
    assert.match(sources.stdout, /feeds \(last success, last error, articles\):/);
    assert.match(sources.stdout, new RegExp(`\\[${feed.id}\\] Harbour Wire · 1 article\\(s\\) · ok, last read .* UTC`));
    assert.match(
      sources.stdout,
      /\[\d+\] 127\.0\.0\.1 · 0 article\(s\) · failing ×1 since .* UTC: .*answered 503.*; never read/,
    );
    const sourcesJson = JSON.parse((await runCli(['sources', '--json'], env)).stdout) as {
      articles: { title: string; feed: { id: number; name: string } | null }[];
      feeds: { id: number; lastSuccessAt: string | null; lastError: string | null; items: number }[];
    };
    assert.deepEqual(sourcesJson.articles.find((a) => a.title === 'Lock gates replaced')?.feed, {
      id: feed.id,
      name: 'Harbour Wire',
      url: `${server.base}/wire.xml`,
    });
    const stats = JSON.parse((await runCli(['stats', '--json'], env)).stdout) as typeof sourcesJson;
    const health = new Map(stats.feeds.map((f) => [f.id, f]));
    assert.equal(health.get(feed.id)?.items, 1);
    assert.ok(health.get(feed.id)?.lastSuccessAt, 'the last success is in stats --json');
    assert.match([...health.values()].find((f) => f.id !== feed.id)?.lastError ?? '', /answered 503/);
    assert.match(
      (await runCli(['stats'], env)).stdout,
      new RegExp(`\\[${feed.id}\\] Harbour Wire · 1 article\\(s\\) · ok`),
    );

    const removed = await runCli(['feeds', 'remove', String(feed.id), '--json'], env);
    assert.equal(removed.code, 0, removed.stderr);
    const after = JSON.parse((await runCli(['feeds', 'list', '--json'], env)).stdout) as { feeds: { url: string }[] };
    assert.deepEqual(
      after.feeds.map((f) => f.url),
      [`${server.base}/down.xml`],
    );
  });
});
