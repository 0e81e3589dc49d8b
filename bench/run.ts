/**
 * `npm run bench`: every benchmark in one run, so ratios compare numbers measured together.
 *   npm run bench [-- --json] [--only embed,use-lite,engine,parse,feeds,words,synonyms,rerank,scale,postgres]
 * Numbers vary with other load on the machine: the load average is printed first.
 */
import { cpus, loadavg } from 'node:os';
import { runEmbedThroughputBench } from './embed-throughput.ts';
import { runEngineBench } from './engine.ts';
import { runFeedsBench } from './feeds.ts';
import { runParseBench } from './parse.ts';
import { runPostgresBench } from './postgres.ts';
import { runRerankBench } from './rerank.ts';
import { runScaleBench } from './scale.ts';
import { formatScaleSizes, runScaleSizesBench } from './scale-sizes.ts';
import { runSynonymBench } from './synonyms.ts';
import { runUseLiteBench } from './use-lite.ts';
import { runWordVectorBench } from './words.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1]!.split(',')) : null;
const log = (line: string) => process.stderr.write(`${line}\n`);
const sizesIndex = args.indexOf('--sizes');

// `--only scale --sizes 10000,100000,1000000`: the library grown through those sizes (bench/scale-sizes.ts).
if (sizesIndex >= 0) {
  const sizes = args[sizesIndex + 1]!.split(',').map(Number);
  const result = await runScaleSizesBench({ sizes, log });
  console.log(
    json
      ? JSON.stringify({
          embedding: result.embedding,
          sizes: result.sizes,
          note: result.note,
          date: new Date().toISOString(),
        })
      : formatScaleSizes(result),
  );
  process.exit(0);
}

const suites: [string, () => Promise<Record<string, number>>][] = [
  ['embed', () => runEmbedThroughputBench({ quantized: true, rounds: 4, passes: 2, log })],
  ['use-lite', () => runUseLiteBench({ log })],
  ['engine', () => runEngineBench({ log })],
  ['parse', () => runParseBench({ log })],
  // 50 feeds × 20 items from a local server (first and unchanged poll) and a 100-page PDF.
  ['feeds', () => runFeedsBench({ log })],
  ['words', () => runWordVectorBench({ log })],
  ['synonyms', () => runSynonymBench({ log })],
  ['rerank', () => runRerankBench({ log })],
  // 20,000 passages take about 5 minutes to embed; bench/scale.ts --passages 100000 goes further.
  ['scale', () => runScaleBench({ passages: 20_000, steps: [5_000], log })],
  // PostgreSQL against SQLite at 100,000 passages (synthetic vectors): about 10 minutes.
  ['postgres', () => runPostgresBench({ passages: 100_000, log })],
];

const results: Record<string, unknown> = { cpus: cpus().length, loadavg_1m_start: loadavg()[0] };
for (const [name, run] of suites) {
  if (only && !only.has(name)) continue;
  log(`== ${name}`);
  results[name] = await run();
}
results.loadavg_1m_end = loadavg()[0];

if (json) console.log(JSON.stringify(results));
else {
  for (const [name, value] of Object.entries(results)) {
    if (typeof value !== 'object' || value === null) {
      console.log(`${name.padEnd(44)} ${String(value)}`);
      continue;
    }
    console.log(`\n${name}`);
    for (const [k, v] of Object.entries(value as Record<string, number>))
      console.log(`  ${k.padEnd(42)} ${Number.isInteger(v) ? v : Number(v).toFixed(2)}`);
  }
}
