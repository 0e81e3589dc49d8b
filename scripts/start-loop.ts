/**
 * Starts the embedding pool (two workers, as the bot does on two cores) in a fresh process again
 * and again, and counts the starts that crashed. onnxruntime-node once aborted at start (signal 5
 * in InferenceSessionWrap::Init, about 1 start in 390) when both workers loaded it at the same
 * moment; the pool now starts them one after another (src/embed/pool.ts).
 *
 *   npx tsx scripts/start-loop.ts [--runs 400] [--workers 2] [--json]
 *
 * Each run embeds one sentence and exits 0; any other exit (a signal, a native abort) is counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTinyModel } from '../test/helpers/tiny-model.ts';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number) =>
  args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback;

if (args[0] === '--child') {
  const { EmbeddingPool } = await import('../src/embed/pool.ts');
  const spec = JSON.parse(args[1]!) as import('../src/embed/model-spec.ts').ModelSpec;
  const workers = Number(args[2]);
  const pool = await EmbeddingPool.start(spec, { size: workers, batchSize: 16, threadsPerWorker: 1 });
  const [vector] = await pool.embed(['The harbour reopened on Monday.']);
  await pool.close();
  process.exit(vector && vector.length > 0 ? 0 : 3);
}

const runs = value('--runs', 400);
const workers = value('--workers', 2);
const spec = await createTinyModel(join(mkdtempSync(join(tmpdir(), 'citebot-start-loop-')), 'citebot-tiny'));
const failures: { run: number; status: number | null; signal: string | null; stderr: string }[] = [];
const started = performance.now();
for (let run = 1; run <= runs; run++) {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec), String(workers)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (child.status !== 0) {
    const failure = { run, status: child.status, signal: child.signal, stderr: child.stderr.slice(-400) };
    failures.push(failure);
    // Told at once, not only at the end: a long loop on a loaded machine may be stopped before it ends.
    if (!args.includes('--json'))
      process.stderr.write(`run ${run}: exit ${failure.status} signal ${failure.signal} ${failure.stderr}\n`);
  }
  if (!args.includes('--json') && (run % 25 === 0 || run === runs))
    process.stderr.write(`${run}/${runs} starts, ${failures.length} crashed\n`);
}
const result = { runs, workers, crashed: failures.length, seconds: (performance.now() - started) / 1000, failures };
if (args.includes('--json')) console.log(JSON.stringify(result));
else
  console.log(
    `${runs} starts of ${workers} embedding workers: ${failures.length} crashed${failures.map((f) => `\n  run ${f.run}: exit ${f.status} signal ${f.signal} ${f.stderr}`).join('')}`,
  );
process.exit(failures.length === 0 ? 0 : 1);
