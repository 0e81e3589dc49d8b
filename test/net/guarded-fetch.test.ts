/** The SSRF-guarded fetch (src/net/): address classes, the ALLOW_PRIVATE_HOSTS list, refusals (also after redirects), limits, and the success path on a local server. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { fetchUrl, type FetchUrlOptions } from '../../src/ingest/fetch-url.ts';
import { addressPolicy, checkAddresses, classifyAddress } from '../../src/net/address-policy.ts';
import { checkAttachmentUrl, downloadAttachment } from '../../src/net/attachment.ts';
import { guardedFetch } from '../../src/net/guarded-fetch.ts';
import { loadConfig } from '../../src/config.ts';
import { parseArticles } from '../../src/ingest/parse.ts';
import { CitebotError } from '../../src/errors.ts';

const PAGE = `<!doctype html><html><head><title>Harbour bridge to close for repairs</title></head><body><article>
<h1>Harbour bridge to close for repairs</h1><p>The harbour bridge will close for six weeks from March 3 while engineers replace its deck, the city said on Tuesday.</p>
<p>About 40,000 vehicles cross the bridge every day, and buses will be diverted over the river tunnel during the closure, officials added.</p></article></body></html>`;

describe('address policy: classifier', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['not-an-ip', 'invalid'],
  ];
  for (const [ip, kind] of cases) {
    it(`${ip} is ${kind}`, () => assert.equal(classifyAddress(ip), kind));
  }
});

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CitebotError, `expected a CitebotError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describe('guarded fetch: against a local server', () => {
  let server: Server;
  let base: string;
  let port: number;
  before(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/page.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else if (url === '/redirect') {
        res.writeHead(302, { location: '/page.html' });
        res.end();
      } else if (url === '/to-metadata') {
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else if (url === '/to-localhost') {
        res.writeHead(302, { location: `http://localhost:${port}/page.html` });
        res.end();
      } else if (url === '/to-127-0-0-2') {
        res.writeHead(302, { location: `http://127.0.0.2:${port}/page.html` });
        res.end();
      } else if (url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (url === '/image.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      } else if (url === '/doc.pdf') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end('%PDF-1.4');
      } else if (url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no content-length
        const chunk = 'x'.repeat(64 * 1024);
        let sent = 0;
        const pump = (): void => {
          while (sent < 40) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else if (url === '/declared-big') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(50 * 1024 * 1024) });
        res.write('x');
      } else if (url === '/slow') {
        // never answers
      } else if (url === '/gone') {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('not here');
      } else if (url === '/gzip') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        res.end(gzipSync(PAGE));
      } else if (url === '/latin1') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        res.end(
          Buffer.from(
            'Caf\xe9 prices rise\n\nThe price of a caf\xe9 cr\xe8me rose to 3 euros in the old town this week, owners said on Monday.',
            'latin1',
          ),
        );
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const local: FetchUrlOptions = { allowPrivateHosts: ['127.0.0.1'], timeoutMs: 2000 };

  it('refuses http://127.0.0.1:PORT by default', async () => {
    await rejectsWith(fetchUrl(`${base}/page.html`), 'url_refused', /loopback address \(127\.0\.0\.1\)/);
  });
  it('refuses hosts that resolve to private addresses, even when one address is public', async () => {
    const resolve = async (host: string) =>
      host === 'mixed.example'
        ? [
            { address: '93.184.216.34', family: 4 },
            { address: '10.0.0.7', family: 4 },
          ]
        : [{ address: 'fd00::5', family: 6 }];
    await rejectsWith(fetchUrl('http://mixed.example/', { resolve }), 'url_refused', /private address \(10\.0\.0\.7\)/);
    await rejectsWith(fetchUrl('https://internal.example/', { resolve }), 'url_refused', /unique-local/);
    await rejectsWith(fetchUrl('http://[::ffff:127.0.0.1]/'), 'url_refused', /loopback/);
  });
  it('refuses other schemes and credentials', async () => {
    await rejectsWith(fetchUrl('ftp://example.com/a.txt'), 'url_refused', /only http and https/);
    await rejectsWith(fetchUrl('file:///etc/passwd'), 'url_refused');
    await rejectsWith(fetchUrl('http://user:secret@example.com/'), 'url_refused', /user name or password/);
    await rejectsWith(fetchUrl('not a url'), 'url_refused', /not a valid URL/);
  });
  it('fetches a page from the (allowed) local server and it parses as an article', async () => {
    const doc = await fetchUrl(`${base}/page.html`, local);
    assert.equal(doc.format, 'html');
    assert.equal(doc.url, `${base}/page.html`);
    const [article] = parseArticles({ name: doc.name, bytes: doc.bytes, format: doc.format, url: doc.url });
    assert.equal(article!.title, 'Harbour bridge to close for repairs');
  });
  it('pins the connection to the vetted address (no second DNS lookup)', async () => {
    let lookups = 0;
    const resolve = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const doc = await fetchUrl(`http://news.example:${port}/page.html`, {
      allowPrivateHosts: ['news.example'],
      resolve,
    });
    assert.equal(doc.format, 'html');
    assert.equal(lookups, 1);
  });
  it('follows redirects, re-checking every hop', async () => {
    assert.equal((await fetchUrl(`${base}/redirect`, local)).url, `${base}/page.html`);
    await rejectsWith(
      fetchUrl(`${base}/to-metadata`, local),
      'url_refused',
      /link-local address \(169\.254\.169\.254\)/,
    );
    // Allowing the name news.example allows nothing else, not even the address it resolves to.
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    await rejectsWith(
      fetchUrl(`http://news.example:${port}/to-localhost`, { allowPrivateHosts: ['news.example'], resolve }),
      'url_refused',
      /localhost points to a loopback address/,
    );
    await rejectsWith(fetchUrl(`${base}/to-127-0-0-2`, local), 'url_refused', /loopback address \(127\.0\.0\.2\)/);
    await rejectsWith(fetchUrl(`${base}/loop`, local), 'url_bad_response', /redirects more than 5 times/);
  });
  it('refuses images clearly; a PDF comes back as sent, for the PDF reader', async () => {
    await rejectsWith(fetchUrl(`${base}/image.png`, local), 'unsupported_format', /is an image \(image\/png\)/);
    const pdf = await fetchUrl(`${base}/doc.pdf`, local);
    assert.equal(pdf.format, 'pdf');
    assert.equal(new TextDecoder().decode(pdf.bytes), '%PDF-1.4');
  });
  it('enforces the size limit while streaming and from content-length', async () => {
    await rejectsWith(
      fetchUrl(`${base}/big`, { ...local, maxBytes: 1024 * 1024 }),
      'input_too_large',
      /larger than the 1\.0 MB limit/,
    );
    await rejectsWith(
      fetchUrl(`${base}/declared-big`, { ...local, maxBytes: 1024 * 1024 }),
      'input_too_large',
      /is 50\.0 MB/,
    );
  });
  it('times out, and reports unreachable hosts and bad statuses', async () => {
    const started = Date.now();
    await rejectsWith(fetchUrl(`${base}/slow`, { ...local, timeoutMs: 300 }), 'url_unreachable', /no answer within/);
    assert.ok(Date.now() - started < 2000);
    await rejectsWith(
      fetchUrl('http://127.0.0.1:1/', { allowPrivateHosts: ['127.0.0.0/8'] }),
      'url_unreachable',
      /ECONNREFUSED/,
    );
    await rejectsWith(fetchUrl('http://no-such-host.invalid/', {}), 'url_unreachable', /doesn't resolve/);
    await rejectsWith(fetchUrl(`${base}/gone`, local), 'url_bad_response', /answered 404 Not Found/);
  });
  it('decompresses gzip and re-encodes other charsets as UTF-8', async () => {
    const gz = await fetchUrl(`${base}/gzip`, local);
    assert.ok(new TextDecoder().decode(gz.bytes).includes('40,000 vehicles'));
    const latin = await fetchUrl(`${base}/latin1`, local);
    assert.ok(new TextDecoder('utf-8', { fatal: true }).decode(latin.bytes).includes('café crème'));
  });
  it('downloads attachments only from Discord or the configured API host, without redirects, within the size limit', async () => {
    const api = `${base}/api`;
    const bytes = await downloadAttachment(`${base}/page.html`, 1_000_000, { apiUrl: api });
    assert.match(new TextDecoder().decode(bytes), /40,000 vehicles/);
    await rejectsWith(
      downloadAttachment(`${base}/page.html`, 1_000_000, { apiUrl: 'https://discord.com/api' }),
      'url_refused',
      /^attachments are only downloaded from Discord \(cdn\.discordapp\.com, media\.discordapp\.net\), not from 127\.0\.0\.1:\d+$/,
    );
    // A redirect could lead anywhere, so it is not followed.
    await rejectsWith(downloadAttachment(`${base}/redirect`, 1_000_000, { apiUrl: api }), 'url_unreachable');
    await rejectsWith(downloadAttachment(`${base}/big`, 1000, { apiUrl: api }), 'input_too_large');
  });
});

describe('attachment URL check', () => {
  const API = 'https://discord.com/api';
  it("accepts Discord's attachment hosts over https", () => {
    assert.equal(
      checkAttachmentUrl('https://cdn.discordapp.com/attachments/1/2/story.md', API).hostname,
      'cdn.discordapp.com',
    );
    assert.equal(
      checkAttachmentUrl('https://media.discordapp.net/attachments/1/2/story.md?ex=1', API).hostname,
      'media.discordapp.net',
    );
  });
  it('refuses look-alike hosts, plain http, other hosts and non-URLs', () => {
    for (const url of [
      'https://cdn.discordapp.com.evil.example/a.txt',
      'http://cdn.discordapp.com/a.txt',
      'https://169.254.169.254/latest/meta-data',
      'file:///etc/passwd',
    ]) {
      assert.throws(
        () => checkAttachmentUrl(url, API),
        (e: unknown) => e instanceof CitebotError && e.code === 'url_refused',
        url,
      );
    }
    assert.throws(() => checkAttachmentUrl('not a url', API), /isn't a valid URL/);
  });
});

describe('address policy: ALLOW_PRIVATE_HOSTS', () => {
  const refuses = (entries: string[], host: string, address: string): boolean => {
    try {
      checkAddresses(addressPolicy(entries), host, [address], `http://${host}/`);
      return false;
    } catch (error) {
      assert.ok(error instanceof CitebotError && error.code === 'url_refused');
      return true;
    }
  };
  it('GIVEN a network THEN its addresses (also IPv4-mapped) are allowed and the rest stay refused', () => {
    assert.equal(refuses(['10.20.0.0/16'], 'cms.example', '10.20.3.4'), false);
    assert.equal(refuses(['10.20.0.0/16'], 'cms.example', '::ffff:10.20.3.4'), false);
    assert.equal(refuses(['10.20.0.0/16'], 'cms.example', '10.21.0.1'), true);
    assert.equal(refuses(['10.20.0.0/16'], 'cms.example', '127.0.0.1'), true);
    assert.equal(refuses(['fd00::/8'], 'v6.example', 'fd12::1'), false);
    assert.equal(refuses(['fd00::/8'], 'v6.example', 'fe80::1'), true);
    assert.equal(refuses(['127.0.0.1'], '127.0.0.1', '127.0.0.1'), false);
    assert.equal(refuses(['127.0.0.1'], '127.0.0.2', '127.0.0.2'), true);
  });
  it('GIVEN a host name THEN only that name (any case, trailing dot) is exempt', () => {
    assert.equal(refuses(['cms.internal'], 'CMS.internal.', '10.9.9.9'), false);
    assert.equal(refuses(['cms.internal'], 'other.internal', '10.9.9.9'), true);
    assert.equal(refuses([], 'cms.internal', '10.9.9.9'), true);
  });
  it('GIVEN ALLOW_PRIVATE_HOSTS in the environment THEN the config lists its entries, and every bad entry is named at once', () => {
    assert.deepEqual(loadConfig({ ALLOW_PRIVATE_HOSTS: 'cms.internal, 10.20.0.0/16' }).allowPrivateHosts, [
      'cms.internal',
      '10.20.0.0/16',
    ]);
    assert.deepEqual(loadConfig({}).allowPrivateHosts, []);
    assert.throws(
      () => loadConfig({ ALLOW_PRIVATE_HOSTS: '10.20.0.0/33,bad host!,fd00::/8' }),
      (e: unknown) =>
        e instanceof CitebotError &&
        e.code === 'config_invalid' &&
        /"10\.20\.0\.0\/33" is not an address or a network/.test(e.message) &&
        /"host!" is not a host name/.test(e.message),
    );
  });
});

describe('guarded fetch: time limit over DNS, a stalled or dropped compressed body, bombs', { timeout: 60_000 }, () => {
  let server: Server;
  let base: string;
  const big = 'The council met on Tuesday and agreed the budget for the coming year. '.repeat(2000);
  const compressed: Record<string, Buffer> = {
    gzip: gzipSync(big),
    deflate: deflateSync(big),
    br: brotliCompressSync(big),
  };
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x61)); // 64 MB of "a" in ~65 KB
  before(async () => {
    server = createServer((req, res) => {
      const [, kind = '', encoding = ''] = (req.url ?? '').split('/');
      const body = compressed[encoding];
      if (kind === 'stall' && body) {
        // Half of a valid compressed body, then nothing: the connection stays open.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding });
        res.write(body.subarray(0, body.length >> 1));
      } else if (kind === 'drop' && body) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding });
        res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
      } else if (kind === 'bomb') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(bomb);
      } else if (kind === 'corrupt') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(200, 0xff)]));
      } else if (kind === 'drip') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('a'), 100);
        res.on('close', () => clearInterval(timer));
      } else if (kind === 'etag') {
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"' });
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' });
          res.end('<rss></rss>');
        }
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const allow = { allowPrivateHosts: ['127.0.0.1'] };

  for (const encoding of ['gzip', 'deflate', 'br']) {
    it(
      `GIVEN a ${encoding} body that stalls halfway THEN the fetch fails within its 1 s limit`,
      { timeout: 10_000 },
      async () => {
        const started = Date.now();
        await rejectsWith(
          guardedFetch(`${base}/stall/${encoding}`, { ...allow, timeoutMs: 1000 }),
          'url_unreachable',
          /the download took longer than 1 s/,
        );
        const took = Date.now() - started;
        assert.ok(took >= 900 && took < 3000, `took ${took} ms`);
      },
    );
    it(
      `GIVEN a ${encoding} body whose connection drops halfway THEN the fetch fails at once, not at the time limit`,
      { timeout: 10_000 },
      async () => {
        const started = Date.now();
        await rejectsWith(
          guardedFetch(`${base}/drop/${encoding}`, { ...allow, timeoutMs: 20_000 }),
          'url_unreachable',
          /the connection broke off/,
        );
        assert.ok(Date.now() - started < 5000);
      },
    );
  }
  it('GIVEN a host name whose DNS answer never comes THEN the time limit covers it', async () => {
    const started = Date.now();
    const resolve = () => new Promise<never>(() => undefined);
    await rejectsWith(
      guardedFetch('http://slow-dns.example/', { resolve, timeoutMs: 500 }),
      'url_unreachable',
      /no answer within 500 ms/,
    );
    assert.ok(Date.now() - started < 2000);
  });
  it('GIVEN a body that trickles forever under the size limit THEN the time limit stops it', async () => {
    await rejectsWith(
      guardedFetch(`${base}/drip/`, { ...allow, timeoutMs: 600 }),
      'url_unreachable',
      /took longer than/,
    );
  });
  it('GIVEN a caller signal THEN aborting it cancels the fetch (shutdown does not wait for the time limit)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await rejectsWith(
      guardedFetch(`${base}/stall/gzip`, { ...allow, timeoutMs: 20_000, signal: controller.signal }),
      'url_unreachable',
      /the fetch was cancelled/,
    );
    assert.ok(Date.now() - started < 3000);
  });
  it('GIVEN a gzip bomb THEN reading stops at the size limit of the decompressed body', async () => {
    const before = process.memoryUsage().rss;
    await rejectsWith(
      guardedFetch(`${base}/bomb/`, { ...allow, maxBytes: 1024 * 1024 }),
      'input_too_large',
      /larger than the 1\.0 MB limit/,
    );
    assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024);
  });
  it('GIVEN a corrupt gzip body THEN a bad-response error says so', async () => {
    await rejectsWith(guardedFetch(`${base}/corrupt/`, allow), 'url_bad_response', /gzip compression is corrupt/);
  });
  it('GIVEN a conditional request with the current ETag THEN 304 comes back with an empty body', async () => {
    const first = await guardedFetch(`${base}/etag/`, allow);
    assert.equal(first.status, 200);
    assert.equal(first.mime, 'application/rss+xml');
    const again = await guardedFetch(`${base}/etag/`, {
      ...allow,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });
  it('GIVEN accepted types THEN another type is refused before its body is read', async () => {
    await rejectsWith(
      guardedFetch(`${base}/etag/`, { ...allow, acceptTypes: ['text/html'], acceptLabel: 'pages only' }),
      'unsupported_format',
      /is of type application\/rss\+xml; pages only$/,
    );
    assert.equal((await guardedFetch(`${base}/etag/`, { ...allow, acceptTypes: ['application/*'] })).status, 200);
  });
});
