/**
 * `npm run test:hostile`: the hostile-input audit of issue 20, kept as a script. Each case is an
 * input an attacker or a careless operator might give, with the exact outcome expected (an error
 * with its code and message, a skip with its reason, or safe handling) and a time and memory bound.
 * Real parts only: files in a temp folder, a real HTTP server on 127.0.0.1, a keyword-only engine
 * over a real SQLite store. Exits 1 when any case misses its outcome or its bounds.
 *
 *   npm run test:hostile            all cases
 *   npm run test:hostile -- --json  one JSON line per case
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine } from '../../src/engine.ts';
import { isCitebotError } from '../../src/errors.ts';
import { escapeForTerminal } from '../../src/format/terminal.ts';
import { fetchUrl } from '../../src/ingest/fetch-url.ts';
import { readArticleInputs } from '../../src/ingest/files.ts';
import { makePassages } from '../../src/ingest/passages.ts';

type Outcome =
  | { kind: 'ok'; detail: string }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'skipped'; reason: string };

interface Case {
  name: string;
  run: () => Promise<Outcome>;
  /** What must come out: the kind, and a pattern the code/message/reason/detail must match. */
  expect: { kind: Outcome['kind']; match: RegExp };
  maxMs?: number;
  maxMb?: number;
}

const MAX_BYTES = 5 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'citebot-hostile-'));
const outside = mkdtempSync(join(tmpdir(), 'citebot-hostile-outside-'));
const STORY =
  'Harbour wall repaired\n\nThe harbour wall was repaired on Monday after the winter storms, the port authority said.\n';

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Reads one input the way `ingest` does; its one result is the outcome. */
async function readOne(input: string): Promise<Outcome> {
  const { articles, skipped } = await readArticleInputs([input], { maxBytes: MAX_BYTES });
  if (skipped.length > 0 && articles.length === 0)
    return { kind: 'skipped', reason: skipped.map((s) => s.reason).join(' | ') };
  return {
    kind: 'ok',
    detail: `${articles.length} article(s)${skipped.length ? `; skipped: ${skipped.map((s) => `${s.name}: ${s.reason}`).join(' | ')}` : ''}`,
  };
}

async function caught(work: () => Promise<string>): Promise<Outcome> {
  try {
    return { kind: 'ok', detail: await work() };
  } catch (error) {
    if (isCitebotError(error)) return { kind: 'error', code: error.code, message: error.message };
    return { kind: 'error', code: 'unexpected', message: String(error) };
  }
}

// ---- a local server for the URL cases ----------------------------------------------------

const PAGE = `<html><head><title>Harbour wall repaired</title></head><body><article><p>The harbour wall was repaired on Monday after the winter storms, the port authority said on Tuesday.</p></article></body></html>`;
const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x61));
let server: Server;
let base = '';
let port = 0;

async function startServer(): Promise<void> {
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else if (url === '/slow') {
      // never answers
    } else if (url === '/endless') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
    } else if (url === '/stall-gzip') {
      const body = gzipSync(PAGE.repeat(50));
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.write(body.subarray(0, body.length >> 1));
    } else if (url === '/bomb') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(bomb);
    } else if (url === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    } else if (url === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    } else if (url === '/to-loopback') {
      res.writeHead(302, { location: `http://127.0.0.2:${port}/page` });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
}

const ALLOW_SERVER = { allowPrivateHosts: ['127.0.0.1'], timeoutMs: 2_000, maxBytes: 2 * 1024 * 1024 };
const url =
  (address: string, options: Parameters<typeof fetchUrl>[1] = { timeoutMs: 2_000 }) =>
  () =>
    caught(async () => {
      const doc = await fetchUrl(address, options);
      return `${doc.format}, ${doc.bytes.length} bytes`;
    });

// ---- the engine for the question cases ----------------------------------------------------

let engine: CitebotEngine;
const ask = (question: string) => () =>
  caught(async () => {
    const result = await engine.ask(question, { collections: ['library'] });
    return `answered ${result.answered}, ${result.passages.length} passage(s), shown as "${escapeForTerminal(question).slice(0, 40)}"`;
  });

const REFUSED = {
  kind: 'error' as const,
  match: /^url_refused: refused to fetch .*(loopback|private|link-local|unspecified|unique-local|reserved) address/,
};

function cases(): Case[] {
  const deepHtml = `<html><head><title>Deep</title></head><body>${'<div>'.repeat(5000)}<p>${STORY}</p>${'</div>'.repeat(5000)}</body></html>`;
  const wideHtml = `<html><head><title>Wide</title></head><body><p>${STORY}</p>${'<b></b>'.repeat(210_000)}</body></html>`;
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><html><head><title>Laughs</title></head><body><p>&lol4; The harbour wall was repaired on Monday after the winter storms, the port authority said.</p></body></html>`;
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'links', 'passwd.txt'));
  symlinkSync('loop.txt', join(dir, 'links', 'loop.txt'));
  writeFileSync(join(outside, 'secret.txt'), STORY);
  return [
    // files: binary, empty, encodings, sizes
    {
      name: 'empty file',
      run: () => readOne(file('empty.txt', '')),
      expect: { kind: 'skipped', match: /is empty; give it a title line/ },
    },
    {
      name: 'whitespace-only file',
      run: () => readOne(file('blank.md', '  \n\n\t \n')),
      expect: { kind: 'skipped', match: /is empty/ },
    },
    {
      name: 'PNG named .txt',
      run: () =>
        readOne(file('photo.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))),
      expect: { kind: 'skipped', match: /PNG image/ },
    },
    {
      name: 'ELF executable named .md',
      run: () => readOne(file('tool.md', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]))),
      expect: { kind: 'skipped', match: /executable \(ELF\)/ },
    },
    {
      name: 'NUL bytes in text',
      run: () => readOne(file('nul.txt', `Title\n\n${'text\u0000'.repeat(200)}`)),
      expect: { kind: 'skipped', match: /binary|NUL/i },
    },
    {
      name: 'invalid UTF-8',
      run: () =>
        readOne(
          file(
            'latin.txt',
            Buffer.concat([
              Buffer.from('Caf'),
              Buffer.from([0xe9, 0xff, 0xfe]),
              Buffer.from(' prices\n\nThe price of coffee rose again this week in the old town.'),
            ]),
          ),
        ),
      expect: { kind: 'skipped', match: /UTF-8/ },
    },
    {
      name: 'UTF-16 with BOM',
      run: () => readOne(file('utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(STORY, 'utf16le')]))),
      expect: { kind: 'skipped', match: /UTF-16|binary|UTF-8/ },
    },
    {
      name: 'UTF-16 without BOM',
      run: () => readOne(file('utf16-nobom.txt', Buffer.from(STORY, 'utf16le'))),
      expect: { kind: 'skipped', match: /UTF-16|binary|NUL/i },
    },
    {
      name: 'file one byte over the size limit',
      run: () => readOne(file('big.txt', `Big\n\n${'a '.repeat(MAX_BYTES / 2)}`)),
      expect: { kind: 'skipped', match: /over the 5242880-byte limit \(raise MAX_ARTICLE_BYTES/ },
    },
    // HTML and XML
    {
      name: 'HTML nested 5,000 deep',
      run: () => readOne(file('deep.html', deepHtml)),
      expect: { kind: 'skipped', match: /nests its HTML more than 128 levels deep/ },
      maxMs: 5_000,
    },
    {
      name: 'HTML with 210,000 elements',
      run: () => readOne(file('wide.html', wideHtml)),
      expect: { kind: 'skipped', match: /more than 200,000 HTML elements/ },
      maxMs: 20_000,
      maxMb: 600,
    },
    {
      name: 'XML entity bomb (billion laughs) as HTML',
      run: () => readOne(file('laughs.html', laughs)),
      expect: { kind: 'ok', match: /^1 article/ },
    },
    {
      name: 'HTML login page without article text',
      run: () =>
        readOne(
          file(
            'login.html',
            '<html><head><title>Log in</title></head><body><form><input name="u"><button>Log in</button></form></body></html>',
          ),
        ),
      expect: { kind: 'skipped', match: /no article text|empty/ },
    },
    {
      name: 'Markdown of headings only',
      run: () => readOne(file('headings.md', '# One\n\n## Two\n\n### Three\n')),
      expect: { kind: 'skipped', match: /no article text|empty/ },
    },
    // JSON
    {
      name: 'JSON number',
      run: () => readOne(file('num.json', '42')),
      expect: { kind: 'skipped', match: /is not an article object/ },
    },
    // A number where the title goes is read as its text ("5"): odd, but harmless.
    {
      name: 'JSON title of the wrong type',
      run: () =>
        readOne(
          file(
            'title.json',
            '{"title": 5, "paragraphs": ["The harbour wall was repaired on Monday after the storms."]}',
          ),
        ),
      expect: { kind: 'ok', match: /^1 article\(s\)$/ },
    },
    {
      name: 'JSON paragraphs not a list',
      run: () => readOne(file('paras.json', '{"title": "T", "paragraphs": "x"}')),
      expect: { kind: 'skipped', match: /"paragraphs" that is not a list of strings/ },
    },
    {
      name: 'JSON empty array',
      run: () => readOne(file('none.json', '[]')),
      expect: { kind: 'skipped', match: /holds no articles/ },
    },
    {
      name: 'JSON syntax error keeps line and column',
      run: () => readOne(file('syntax.json', '{\n  "title": "T",\n  "paragraphs": ["a",]\n}')),
      expect: { kind: 'skipped', match: /is not valid JSON: Unexpected token '\]' at line 3, column 22$/ },
    },
    {
      name: 'JSON nested 100,000 deep',
      run: () => readOne(file('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
      expect: { kind: 'skipped', match: /not an article|no articles|not valid JSON/ },
    },
    {
      name: 'NDJSON with one bad line stores the good ones',
      run: () =>
        readOne(
          file(
            'mixed.ndjson',
            [
              '{"title":"A","paragraphs":["The harbour wall was repaired on Monday after the winter storms."]}',
              '{oops',
              '{"title":"B","paragraphs":["The ferry timetable changes from Monday, the harbour office said."]}',
            ].join('\n'),
          ),
        ),
      expect: { kind: 'ok', match: /^2 article\(s\); skipped: .*\(line 2\): .*line 2 is not valid JSON/ },
    },
    {
      name: 'NDJSON of bad lines only',
      run: () => readOne(file('bad.ndjson', '{oops\n[1]\n')),
      expect: { kind: 'skipped', match: /holds no usable article/ },
    },
    // names and links
    {
      name: 'symlink out of the folder (passwd.txt)',
      run: () => readOne(join(dir, 'links')),
      expect: {
        kind: 'skipped',
        match: /a symbolic link loop .* \| a symbolic link to .*secret\.txt, outside the folder/,
      },
    },
    {
      name: 'symlink loop named directly',
      run: () => readOne(join(dir, 'links', 'loop.txt')),
      expect: { kind: 'skipped', match: /^a symbolic link loop/ },
    },
    {
      name: 'story.md beside story.txt',
      run: async () => (
        writeFileSync(join(dir, 'pair', 'story.md'), STORY),
        writeFileSync(join(dir, 'pair', 'story.txt'), STORY),
        readOne(join(dir, 'pair'))
      ),
      expect: {
        kind: 'ok',
        match: /^1 article\(s\); skipped: .*story\.txt makes the article id "story", which .*story\.md already has/,
      },
    },
    {
      name: 'file name with glob characters',
      run: () => readOne(file('report[1].txt', STORY)),
      expect: { kind: 'ok', match: /^1 article\(s\)$/ },
    },
    {
      name: 'missing file',
      run: () => readOne(join(dir, 'nothing-here.txt')),
      expect: { kind: 'skipped', match: /^no such file or folder$/ },
    },
    {
      name: 'title with terminal escapes and bidi override',
      run: () =>
        readOne(
          file(
            'escapes.txt',
            `Budget \u001b]0;owned\u0007 \u001b[2J \u202eetov\n\nThe council approved the harbour budget on Monday after a long debate.`,
          ),
        ),
      expect: { kind: 'ok', match: /^1 article/ },
    },
    {
      name: 'emoji-only article body',
      run: () => readOne(file('emoji.txt', `😀😀😀\n\n${'🎉 '.repeat(50)}`)),
      expect: { kind: 'ok', match: /^1 article|skipped/ },
    },
    // passages
    {
      name: '80,000 one-line paragraphs exceed the passage cap',
      run: () =>
        caught(
          async () =>
            `${makePassages({ id: 'x', title: 'List', date: null, source: null, section: null, url: null, paragraphs: Array.from({ length: 80_000 }, (_, i) => `Item ${i} is listed here with a few more words to pass.`) }, { countTokens: (t) => t.split(/\s+/).length + 2, maxTokens: 256 }).length} passages`,
        ),
      expect: { kind: 'error', match: /^input_too_large: "List" would make more than 5,000 passages/ },
      maxMs: 10_000,
    },
    // URLs: address forms
    { name: 'http://127.0.0.1 (loopback)', run: url('http://127.0.0.1/'), expect: REFUSED },
    { name: 'http://localhost (name for loopback)', run: url('http://localhost/'), expect: REFUSED },
    { name: 'http://0.0.0.0', run: url('http://0.0.0.0/'), expect: REFUSED },
    { name: 'http://[::1]', run: url('http://[::1]/'), expect: REFUSED },
    { name: 'cloud metadata 169.254.169.254', run: url('http://169.254.169.254/latest/meta-data/'), expect: REFUSED },
    { name: 'private 10.0.0.1', run: url('http://10.0.0.1/'), expect: REFUSED },
    { name: 'private 192.168.1.1', run: url('http://192.168.1.1/'), expect: REFUSED },
    { name: 'decimal 2130706433', run: url('http://2130706433/'), expect: REFUSED },
    { name: 'octal 0177.0.0.1', run: url('http://0177.0.0.1/'), expect: REFUSED },
    { name: 'hex 0x7f.0.0.1', run: url('http://0x7f.0.0.1/'), expect: REFUSED },
    { name: 'IPv4-mapped [::ffff:127.0.0.1]', run: url('http://[::ffff:127.0.0.1]/'), expect: REFUSED },
    { name: 'NAT64 [64:ff9b::7f00:1]', run: url('http://[64:ff9b::7f00:1]/'), expect: REFUSED },
    { name: '6to4 [2002:7f00:1::]', run: url('http://[2002:7f00:1::]/'), expect: REFUSED },
    { name: 'unique-local [fd00::1]', run: url('http://[fd00::1]/'), expect: REFUSED },
    {
      name: 'name resolving to a private address',
      run: url('http://intranet.example/', { resolve: async () => [{ address: '10.1.2.3', family: 4 }] }),
      expect: REFUSED,
    },
    {
      name: 'redirect to the metadata address',
      run: () => url(`${base}/to-metadata`, ALLOW_SERVER)(),
      expect: REFUSED,
    },
    {
      name: 'redirect to another loopback address',
      run: () => url(`${base}/to-loopback`, ALLOW_SERVER)(),
      expect: REFUSED,
    },
    {
      name: 'file: URL',
      run: url('file:///etc/passwd'),
      expect: { kind: 'error', match: /^url_refused: .*file:\/\/ URLs; only http and https/ },
    },
    {
      name: 'ftp: URL',
      run: url('ftp://example.com/a.txt'),
      expect: { kind: 'error', match: /^url_refused: .*ftp:\/\/ URLs/ },
    },
    {
      name: 'data: URL',
      run: url('data:text/html,<p>hi</p>'),
      expect: { kind: 'error', match: /^url_refused: .*data:\/\/ URLs/ },
    },
    {
      name: 'credentials in the URL',
      run: url('http://user:pw@example.com/'),
      expect: { kind: 'error', match: /^url_refused: .*user name or password/ },
    },
    // URLs: server behaviour (the local server allowed through ALLOW_PRIVATE_HOSTS)
    {
      name: 'allowed local page',
      run: () => url(`${base}/page`, ALLOW_SERVER)(),
      expect: { kind: 'ok', match: /^html, \d+ bytes$/ },
    },
    {
      name: 'slow server (no answer)',
      run: () => url(`${base}/slow`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^url_unreachable: .*no answer within 2 s$/ },
      maxMs: 3_500,
    },
    {
      name: 'endless body',
      run: () => url(`${base}/endless`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^input_too_large: .*larger than the 2\.0 MB limit$/ },
    },
    {
      name: 'stalled gzip body',
      run: () => url(`${base}/stall-gzip`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^url_unreachable: .*the download took longer than 2 s$/ },
      maxMs: 3_500,
    },
    {
      name: 'gzip bomb (64 MB in 64 KB)',
      run: () => url(`${base}/bomb`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^input_too_large: .*larger than the 2\.0 MB limit$/ },
    },
    {
      name: 'wrong content type',
      run: () => url(`${base}/image`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^unsupported_format: .*is an image \(image\/png\)/ },
    },
    {
      name: '404',
      run: () => url(`${base}/gone`, ALLOW_SERVER)(),
      expect: { kind: 'error', match: /^url_bad_response: .*answered 404/ },
    },
    // questions
    {
      name: 'empty question',
      run: ask(''),
      expect: { kind: 'error', match: /^empty_question: the question is empty; ask something like/ },
    },
    {
      name: '10,000-character question',
      run: ask('harbour '.repeat(1250)),
      expect: {
        kind: 'error',
        match: /^input_too_large: the question is 9999 characters; keep it under 1000$/,
      },
    },
    { name: 'emoji-only question', run: ask('😀🎉🔥'), expect: { kind: 'ok', match: /^answered false/ } },
    {
      name: 'mention syntax in the question',
      run: ask('@everyone <@&123456789012345678> harbour?'),
      expect: { kind: 'ok', match: /^answered / },
    },
    {
      name: 'control characters in the question',
      run: ask('harbour \u001b]0;owned\u0007 \u202ewall?'),
      expect: { kind: 'ok', match: /shown as "harbour \^\[\]0;owned\^G <U\+202E>wall\?"$/ },
    },
  ];
}

function describe(outcome: Outcome): string {
  if (outcome.kind === 'error') return `${outcome.code}: ${outcome.message}`;
  if (outcome.kind === 'skipped') return outcome.reason;
  return outcome.detail;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  for (const sub of ['links', 'pair']) mkdirSync(join(dir, sub));
  await startServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-hostile-data-'));
  engine = await openEngine(
    loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: 'keyword', AUTO_INGEST_EXAMPLES: 'false', LOG_LEVEL: 'silent' }),
  );
  await engine.ingest(
    [
      {
        id: 'harbour',
        title: 'Harbour wall repaired',
        date: null,
        source: null,
        section: null,
        url: null,
        paragraphs: ['The harbour wall was repaired on Monday after the winter storms, the port authority said.'],
      },
    ],
    'library',
  );
  let failed = 0;
  const all = cases();
  try {
    for (const c of all) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = performance.now();
      const outcome = await c.run();
      const ms = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const mb = (peak - rssBefore) / 1024 / 1024;
      const maxMs = c.maxMs ?? 5_000;
      const maxMb = c.maxMb ?? 256;
      const text = describe(outcome);
      const problems: string[] = [];
      if (outcome.kind !== c.expect.kind) problems.push(`expected ${c.expect.kind}, got ${outcome.kind}`);
      if (!c.expect.match.test(outcome.kind === 'error' ? text : text)) problems.push(`expected ${c.expect.match}`);
      if (ms > maxMs) problems.push(`took ${ms.toFixed(0)} ms > ${maxMs}`);
      if (mb > maxMb) problems.push(`grew ${mb.toFixed(0)} MB > ${maxMb}`);
      if (problems.length) failed++;
      if (json)
        process.stdout.write(
          `${JSON.stringify({ case: c.name, ok: problems.length === 0, outcome: outcome.kind, text, ms: Math.round(ms), mb: Math.round(mb), problems })}\n`,
        );
      else
        process.stdout.write(
          `${problems.length ? 'FAIL' : 'ok  '} ${c.name} — ${escapeForTerminal(text).slice(0, 160)} (${ms.toFixed(0)} ms, +${mb.toFixed(0)} MB)${problems.length ? `\n     ${problems.join('; ')}` : ''}\n`,
        );
    }
  } finally {
    await engine.close();
    server.closeAllConnections();
    server.close();
    for (const d of [dir, outside, dataDir]) rmSync(d, { recursive: true, force: true });
  }
  process.stdout.write(`${all.length - failed} of ${all.length} hostile inputs handled as expected\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
