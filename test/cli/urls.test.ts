/** `ingest` with URLs and a URL list: a real CLI process fetching from a real server on 127.0.0.1. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { column, makePdf } from '../helpers/documents.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${text}</p></article></body></html>`;

describe('ingest from URLs', () => {
  let server: Server;
  let base: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const pages: Record<string, { type: string; body: string | Uint8Array }> = {};

  before(async () => {
    pages['/tram.html'] = {
      type: 'text/html; charset=utf-8',
      body: PAGE(
        'Tram line extended',
        'The tram line will be extended by 4.2 kilometres to the hospital, the city council decided on Monday after a long debate.',
      ),
    };
    pages['/library.html'] = {
      type: 'text/html; charset=utf-8',
      body: PAGE(
        'Library opens on Sundays',
        'The central library will open on Sundays from March, with 12 extra staff hired to cover the weekend shifts, the council said.',
      ),
    };
    pages['/budget.pdf'] = {
      type: 'application/pdf',
      body: await makePdf({
        title: 'Budget summary',
        pages: [
          { lines: column(72, 700, ['The harbour budget rises to 9 million', 'euros next year, the board said.']) },
        ],
      }),
    };
    server = createServer((req, res) => {
      const page = pages[req.url ?? ''];
      if (!page) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': page.type });
      res.end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-cli-urls-'));
    env = testEnv(dataDir, await tinyModel(), { EMBEDDING_MODEL: 'keyword', ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  after(() => {
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GIVEN a URL and a URL list THEN each page (HTML and PDF) is fetched and ingested, and a bad line or page is skipped with its reason', async () => {
    const list = join(dataDir, 'urls.txt');
    writeFileSync(
      list,
      `# council pages\n${base}/library.html\n\nnot a url\n${base}/budget.pdf\n${base}/missing.html\n`,
    );
    const run = await runCli(['ingest', `${base}/tram.html`, '--urls', list, '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      articles: { title: string; status: string }[];
      skipped: { name: string; reason: string }[];
    };
    assert.deepEqual(result.articles.map((a) => a.title).sort(), [
      'Budget summary',
      'Library opens on Sundays',
      'Tram line extended',
    ]);
    assert.deepEqual(result.skipped, [
      { name: 'line 4 of the URL list', reason: '"not a url" is not an http(s) URL' },
      { name: `${base}/missing.html`, reason: `${base}/missing.html answered 404 Not Found instead of a page` },
    ]);

    const ask = await runCli(['ask', '--json', 'how much will the tram line be extended?'], env);
    const answer = JSON.parse(ask.stdout) as { passages: { citation: { url: string } }[] };
    assert.equal(answer.passages[0]!.citation.url, `${base}/tram.html`);
  });

  it('GIVEN no ALLOW_PRIVATE_HOSTS THEN a loopback URL is refused by the same guard as the bot', async () => {
    const run = await runCli(['ingest', `${base}/tram.html`, '--json'], { ...env, ALLOW_PRIVATE_HOSTS: '' });
    assert.equal(run.code, 2, run.stderr);
    const result = JSON.parse(run.stdout) as { skipped: { reason: string }[] };
    assert.match(result.skipped[0]!.reason, /refused to fetch .*loopback address \(127\.0\.0\.1\)/);
  });
});
