#!/usr/bin/env -S npx tsx
/**
 * npm run eval -- <set.json> [--mode bm25|dense|hybrid|all] [--k 10] [--json] [--report out.html] [--model <name>]
 * npm run eval -- --calibrate a.json b.json
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CitebotError } from '../errors.ts';
import type { SearchMode } from '../search/search.ts';
import { calibrate, formatCalibration } from './calibrate.ts';
import { formatText, toJson } from './format.ts';
import { renderHtml } from './report-html.ts';
import { ALL_MODES, evaluateSet } from './runner.ts';
import { loadEvalSet } from './set.ts';
import { addWeightFlags, weightOverrides } from './terms.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('expected a whole number from 1 to 100');
  return n;
}

function threshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 10) throw new InvalidArgumentError('expected a number from 0 to 10');
  return n;
}

/** Progress on stderr: a rewritten line on a terminal, a line per 10% otherwise. */
function progress(quiet: boolean): (phase: string, done: number, total: number) => void {
  let lastPhase = '';
  let lastTenth = -1;
  return (phase, done, total) => {
    if (quiet) return;
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[K${phase} ${done}/${total}${done === total ? '\n' : ''}`);
    } else if (phase !== lastPhase || tenth !== lastTenth) {
      if (phase !== lastPhase || done === total || tenth > lastTenth)
        process.stderr.write(`${phase} ${done}/${total}\n`);
    }
    lastPhase = phase;
    lastTenth = tenth;
  };
}

interface Options extends Record<string, unknown> {
  mode: string;
  k: number;
  json?: boolean;
  report?: string;
  model?: string;
  rerank?: string;
  calibrate?: boolean;
  quiet?: boolean;
  threshold?: number;
  floor?: number;
}

const program = addWeightFlags(new Command())
  .name('npm run eval --')
  .description(
    'Measures retrieval quality on an evaluation set, in a temporary index (your data directory is not touched).',
  )
  .argument('<sets...>', 'evaluation set files (JSON: articles, questions, unanswerable)')
  .addOption(new Option('--mode <mode>', 'search mode').choices(['bm25', 'dense', 'hybrid', 'all']).default('all'))
  .option('--k <n>', 'passages returned per question (MRR is @10)', positiveInt, 10)
  .option('--json', 'print one JSON object per set')
  .option('--report <file.html>', 'write a self-contained HTML report')
  .option('--model <name>', 'embedding model for the temporary index (auto, use-lite, minilm, keyword, …)')
  .option(
    '--rerank <model>',
    're-rank with this cross-encoder (a folder, or a hub id such as Xenova/ms-marco-MiniLM-L-6-v2); default: RERANK_MODEL',
  )
  .option(
    '--calibrate',
    'choose the "no answer" threshold from the sets (their unanswerable questions and each other\'s questions as negatives)',
  )
  .option('--quiet', 'no progress on stderr')
  .addOption(new Option('--threshold <t>', 'tuning: override the answer threshold').argParser(threshold))
  .addOption(new Option('--floor <t>', 'tuning: override the floor').argParser(threshold))
  .action(async (paths: string[], o: Options) => {
    const onProgress = progress(o.quiet ?? false);
    const notice = (message: string) => {
      if (!o.quiet) process.stderr.write(`${message}\n`);
    };
    const sets = paths.map(loadEvalSet);
    const weights = weightOverrides(o);
    const cutoffs = {
      ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
      ...(o.floor === undefined ? {} : { floor: o.floor }),
    };
    if (o.calibrate) {
      if (sets.length < 2)
        process.stderr.write('note: with one set, only its own unanswerable questions serve as negatives\n');
      const result = await calibrate(sets, { model: o.model, rerank: o.rerank, weights, onProgress, notice });
      process.stdout.write(o.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${formatCalibration(result)}\n`);
      return;
    }
    const modes: SearchMode[] = o.mode === 'all' ? [...ALL_MODES] : [o.mode as SearchMode];
    const reports = [];
    for (const set of sets) {
      const report = await evaluateSet(set, {
        modes,
        k: Math.max(o.k, 1),
        model: o.model,
        rerank: o.rerank,
        weights,
        cutoffs,
        onProgress,
        notice,
      });
      reports.push(report);
      process.stdout.write(o.json ? `${JSON.stringify(toJson(report))}\n` : `${formatText(report)}\n\n`);
    }
    if (o.report) {
      writeFileSync(o.report, renderHtml(reports, sets));
      if (!o.quiet) process.stderr.write(`wrote ${o.report}\n`);
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof CitebotError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
