#!/usr/bin/env -S npx tsx
/**
 * npm run eval -- <set.json> [--mode bm25|dense|hybrid|all] [--k 10] [--json] [--report out.html] [--model <name>]
 * npm run eval -- --calibrate a.json b.json
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CitebotError } from '../errors.ts';
import type { FusionWeights } from '../search/fusion.ts';
import type { SearchMode } from '../search/search.ts';
import { calibrate, formatCalibration } from './calibrate.ts';
import { formatText, toJson } from './format.ts';
import { renderHtml } from './report-html.ts';
import { ALL_MODES, evaluateSet } from './runner.ts';
import { loadEvalSet } from './set.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('expected a whole number from 1 to 100');
  return n;
}

function weight(value: string): number {
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

interface Options {
  mode: string;
  k: number;
  json?: boolean;
  report?: string;
  model?: string;
  rerank?: string;
  calibrate?: boolean;
  quiet?: boolean;
  dense?: number;
  words?: number;
  synonyms?: number;
  lexical?: number;
  sentence?: number;
  trustCoverage?: number;
  answerShape?: number;
  answerShapeUntrusted?: number;
  threshold?: number;
}

function weightOverrides(o: Options): Partial<FusionWeights> {
  const w: Partial<FusionWeights> = {};
  if (o.dense !== undefined) w.dense = o.dense;
  if (o.words !== undefined) w.words = o.words;
  if (o.synonyms !== undefined) w.synonyms = o.synonyms;
  if (o.lexical !== undefined) w.lexical = o.lexical;
  if (o.sentence !== undefined) w.sentence = o.sentence;
  if (o.trustCoverage !== undefined) w.trustCoverage = o.trustCoverage;
  if (o.answerShape !== undefined) w.answerShape = o.answerShape;
  if (o.answerShapeUntrusted !== undefined) w.answerShapeUntrusted = o.answerShapeUntrusted;
  if (o.threshold !== undefined) w.threshold = o.threshold;
  return w;
}

const program = new Command()
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
  .addOption(new Option('--dense <w>', 'tuning: override the dense weight').argParser(weight))
  .addOption(new Option('--words <w>', 'tuning: override the word-vector cosine weight').argParser(weight))
  .addOption(new Option('--synonyms <w>', 'tuning: override the thesaurus-synonym weight').argParser(weight))
  .addOption(new Option('--lexical <w>', 'tuning: override the lexical weight').argParser(weight))
  .addOption(new Option('--sentence <w>', 'tuning: override the best-sentence coverage weight').argParser(weight))
  .addOption(
    new Option('--trust-coverage <c>', 'tuning: coverage at which keyword evidence counts fully (0: always)').argParser(
      weight,
    ),
  )
  .addOption(new Option('--answer-shape <w>', 'tuning: override the answer-shape bonus').argParser(weight))
  .addOption(
    new Option(
      '--answer-shape-untrusted <w>',
      'tuning: override the further answer-shape bonus when keyword evidence is not trusted',
    ).argParser(weight),
  )
  .addOption(new Option('--threshold <t>', 'tuning: override the decline threshold').argParser(weight))
  .action(async (paths: string[], o: Options) => {
    const onProgress = progress(o.quiet ?? false);
    const notice = (message: string) => {
      if (!o.quiet) process.stderr.write(`${message}\n`);
    };
    const sets = paths.map(loadEvalSet);
    const weights = weightOverrides(o);
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
