/**
 * Runs an evaluation set against a temporary index: a fresh DATA_DIR under the OS temp
 * folder (removed afterwards), seeded with a copy of the user's model cache so use-lite
 * is not converted again. The user's data directory is only ever read.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { openEngine, type CitebotEngine } from '../engine.ts';
import type { FusionWeights } from '../search/fusion.ts';
import { highlightHits } from '../search/highlight.ts';
import { answerKind } from '../search/answer.ts';
import type { EmbedFn, Hit, SearchMode, SearchResult } from '../search/search.ts';
import type { Article } from '../types.ts';
import { summarize, summarizeByStyle, type Metrics, type QuestionOutcome, type RankedPassage } from './metrics.ts';
import type { EvalSet } from './set.ts';

export const EVAL_COLLECTION = 'eval';
export const ALL_MODES: readonly SearchMode[] = ['bm25', 'dense', 'hybrid'];

export interface TempIndexOptions {
  /** EMBEDDING_MODEL for the temporary index (default: the environment's, else auto). */
  model?: string;
  /** The environment to read settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Fusion weight overrides (tuning). */
  weights?: Partial<FusionWeights>;
  /** Threshold or floor overrides. */
  cutoffs?: { threshold?: number; floor?: number };
  /** RERANK_MODEL for the temporary index (default: the environment's). */
  rerank?: string;
  /** One-line notices (model choice, conversions). */
  notice?: (message: string) => void;
}

export interface TempIndex {
  engine: CitebotEngine;
  dataDir: string;
  close: () => Promise<void>;
}

/** Opens an engine on a new temporary data directory; `close` removes it. */
export async function openTempIndex(options: TempIndexOptions = {}): Promise<TempIndex> {
  const env = options.env ?? process.env;
  const userDataDir = loadConfig(env).dataDir;
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-eval-'));
  try {
    const userModels = join(userDataDir, 'models');
    // A copy, not a link: a conversion or download must never write into the user's folder.
    if (existsSync(userModels))
      cpSync(userModels, join(dataDir, 'models'), { recursive: true, filter: (src) => !/\.(download|tmp)-/.test(src) });
    const config = loadConfig({
      ...env,
      DATA_DIR: dataDir,
      AUTO_INGEST_EXAMPLES: 'false',
      ...(options.model ? { EMBEDDING_MODEL: options.model } : {}),
      ...(options.rerank ? { RERANK_MODEL: options.rerank } : {}),
    });
    const engine = await openEngine(config, { notice: options.notice ?? (() => {}) });
    if (options.weights) engine.internals.setFusionWeights(options.weights);
    if (options.cutoffs) engine.internals.setCutoffs(options.cutoffs);
    let closed = false;
    return {
      engine,
      dataDir,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          await engine.close();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Ingests the set's articles; returns the wall time in seconds. */
export async function ingestSet(
  engine: CitebotEngine,
  articles: Article[],
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const started = performance.now();
  await engine.ingest(articles, EVAL_COLLECTION, onProgress ? (p) => onProgress(p.done, p.total) : undefined);
  return (performance.now() - started) / 1000;
}

/**
 * The engine's embedder, for highlighting the way `ask` does. Sentence vectors are cached:
 * the same passages come back for many questions and in every mode.
 */
const embedders = new WeakMap<CitebotEngine, EmbedFn>();

function embedderOf(engine: CitebotEngine): EmbedFn | null {
  const base = engine.internals.embedder();
  if (!base) return null;
  const known = embedders.get(engine);
  if (known) return known;
  const cache = new Map<string, Float32Array>();
  const embed: EmbedFn = async (texts) => {
    const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
    if (missing.length > 0) (await base(missing)).forEach((v, i) => cache.set(missing[i]!, v));
    return texts.map((t) => cache.get(t)!);
  };
  embedders.set(engine, embed);
  return embed;
}

/** A returned passage as the metrics see it. */
export function rankedPassage(hit: Hit): RankedPassage {
  return {
    articleId: hit.article.id,
    title: hit.article.title,
    paragraphStart: hit.passage.paragraph_start,
    paragraphEnd: hit.passage.paragraph_end,
    text: hit.passage.text,
    copies: hit.alsoIn.map(({ article, passage }) => ({
      articleId: article.id,
      paragraphStart: passage.paragraph_start,
      paragraphEnd: passage.paragraph_end,
    })),
  };
}

function toRanked(result: SearchResult): RankedPassage[] {
  return result.hits.map(rankedPassage);
}

export interface AskItem {
  q: string;
  gold: QuestionOutcome['gold'];
  style: string | null;
}

/** The set's questions, answerable first, then the unanswerable ones. */
export function itemsOf(set: EvalSet): AskItem[] {
  return [
    ...set.questions.map((q) => ({
      q: q.q,
      gold: { articleId: q.articleId, paragraphIndex: q.paragraphIndex, answer: q.answer },
      style: q.style,
    })),
    ...set.unanswerable.map((q) => ({ q, gold: null, style: null })),
  ];
}

/** Asks every item in one mode; `highlight` also picks the answering sentence of the first passage. */
export async function askAll(
  engine: CitebotEngine,
  items: readonly AskItem[],
  options: { mode: SearchMode; k: number; highlight?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<QuestionOutcome[]> {
  const embed = embedderOf(engine);
  const outcomes: QuestionOutcome[] = [];
  for (const item of items) {
    const started = performance.now();
    const result = await engine.internals.retrieve(item.q, {
      collections: [EVAL_COLLECTION],
      k: options.k,
      mode: options.mode,
    });
    const queryMs = performance.now() - started;
    let highlight = '';
    let answer: string | null = null;
    if (options.highlight !== false && result.hits.length > 0) {
      const [first] = await highlightHits(item.q, { ...result, hits: result.hits.slice(0, 1) }, embed);
      highlight = first?.highlight ?? '';
      // As `ask` claims it: only when the question is answered.
      answer = result.verdict === 'answered' ? (first?.answer ?? null) : null;
    }
    outcomes.push({
      question: item.q,
      gold: item.gold,
      style: item.style,
      ranked: toRanked(result),
      // The verdict `ask` replies with (src/search/verdict.ts), re-ranker exemption included.
      declined: result.verdict !== 'answered',
      shown: result.verdict !== 'nothing',
      confidence: result.confidence,
      relevance: result.relevance,
      highlight,
      wantsAnswer: answerKind(item.q) !== null,
      answer,
      queryMs,
    });
    options.onProgress?.(outcomes.length, items.length);
  }
  return outcomes;
}

export interface ModeReport extends Metrics {
  ingest_s: number;
  by_style: Record<string, Metrics>;
}

export interface SetReport {
  set: string;
  model: string;
  /** The cross-encoder that re-ranked hybrid results (RERANK_MODEL), or null. */
  reranker: string | null;
  k: number;
  weights: FusionWeights;
  /** The threshold and floor the verdicts were decided by. */
  cutoffs: { threshold: number; floor: number };
  /** Whether the weights and cut-offs in use were tuned or calibrated on this set (in-sample figures) or not (held-out). */
  sample: 'in-sample' | 'held-out';
  modes: Partial<Record<SearchMode, ModeReport>>;
  /** Per-question outcomes, for the HTML report. */
  outcomes: Partial<Record<SearchMode, QuestionOutcome[]>>;
  /** Modes that could not run (dense on a keyword-only index). */
  skipped: { mode: SearchMode; reason: string }[];
}

export interface EvaluateOptions extends TempIndexOptions {
  modes: readonly SearchMode[];
  k: number;
  /** Progress lines: a phase name and a count. */
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** Builds a temporary index of the set, asks every question in every mode, and removes the index. */
export async function evaluateSet(set: EvalSet, options: EvaluateOptions): Promise<SetReport> {
  const index = await openTempIndex(options);
  try {
    const { engine } = index;
    const ingestSeconds = await ingestSet(engine, set.articles, (done, total) =>
      options.onProgress?.(`${set.name}: ingest`, done, total),
    );
    const report: SetReport = {
      set: set.name,
      model: engine.model().id,
      reranker: engine.model().reranker,
      k: options.k,
      weights: engine.internals.fusionWeights(),
      cutoffs: engine.internals.cutoffs(),
      sample: engine.internals.calibration()?.sets.includes(set.name) ? 'in-sample' : 'held-out',
      modes: {},
      outcomes: {},
      skipped: [],
    };
    const items = itemsOf(set);
    for (const mode of options.modes) {
      if (mode === 'dense' && engine.model().kind === 'keyword') {
        report.skipped.push({ mode, reason: 'the index is keyword-only (no embedding model)' });
        continue;
      }
      const outcomes = await askAll(engine, items, {
        mode,
        k: options.k,
        onProgress: (done, total) => options.onProgress?.(`${set.name}: ${mode}`, done, total),
      });
      report.outcomes[mode] = outcomes;
      report.modes[mode] = {
        ...summarize(outcomes),
        ingest_s: round(ingestSeconds, 2),
        by_style: summarizeByStyle(outcomes),
      };
    }
    return report;
  } finally {
    await index.close();
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
