/**
 * Where the bot's memory goes when a large page is ingested, step by step, in one process: the
 * engine (tiny generated model, the bundled examples, two embedding workers as the bot runs), the
 * parse worker, the ingest of a 4,500-passage page, and what each one gives back. RSS is VmRSS
 * (worker threads included), read after a full GC of the main thread.
 *
 *   node --expose-gc --import tsx scripts/audit/ingest-memory.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { OffThreadParser } from '../../src/ingest/parse-off-thread.ts';
import { tinyModel } from '../../test/helpers/engine.ts';

const GUILD = '123456789012345678';
const rssMb = (): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

let previous = 0;
function step(name: string): void {
  gc!();
  const rss = rssMb();
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(
    `${name.padEnd(44)} RSS ${rss.toFixed(0).padStart(4)} MB (${previous ? `${rss - previous >= 0 ? '+' : ''}${(rss - previous).toFixed(0)}` : '  '})  main heap ${heap.toFixed(0)} MB`,
  );
  previous = rss;
}

/** The page of `npm run test:load`: 4,500 paragraphs, each one passage. */
function ledgerPage(): Uint8Array {
  const paragraphs = Array.from(
    { length: 4_500 },
    (_, i) =>
      `<p>Dock ledger entry ${i}: the night crew at berth ${i % 97} moved ${(i * 37) % 1000} containers of grain, timber and machine parts, and the harbour master noted ${i % 13} delays caused by wind, tide and a crane that needed repair before the morning shift began its work on the eastern quay, according to the morning report of the port authority.</p>`,
  );
  return new TextEncoder().encode(
    `<html><head><title>The harbour ledger</title></head><body><article><h1>The harbour ledger</h1>${paragraphs.join('\n')}</article></body></html>`,
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'citebot-memory-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  MODEL_DIR: await tinyModel(),
  CITEBOT_OFFLINE: 'true',
  EMBED_WORKERS: '2',
});
step('process started');
const engine = await openEngine(config, { backgroundIndexRebuild: true });
await engine.ingestExamplesIfEmpty();
const ask = () => engine.ask('how many were detained?', { collections: ['library', GUILD] });
for (let i = 0; i < 10; i++) await ask();
await sleep(1000);
step('engine open, examples in, 10 questions');
const parser = new OffThreadParser();
const articles = await parser.parse({ name: 'ledger.html', bytes: ledgerPage(), format: 'html' }, { maxBytes: 5e6 });
await sleep(2000);
step('1.4 MB page read by the parse worker');
const [outcome] = await engine.ingest(articles, GUILD);
await sleep(2000);
step(`ingested (${outcome!.passages} passages)`);
await parser.close();
await sleep(1000);
step('parse worker stopped (as after 15 s idle)');
for (let i = 0; i < 10; i++) await ask();
step('10 more questions');
await engine.close();
rmSync(dataDir, { recursive: true, force: true });
