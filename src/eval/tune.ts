/**
 * Weight tuning with held-out figures. Asks every set's questions in hybrid mode under each
 * weight setting (one temporary index per set, question vectors embedded once), then, leaving
 * one set out at a time, picks the setting that does best on the OTHER sets and reports how it
 * does on the one left out: the figure a new set of articles and questions can expect.
 *
 *   npx tsx src/eval/tune.ts <set.json>... [--<term> v1,v2 …] [--setting name=v,name=v …] [--preset shipped,prototype] [--model use-lite] [--pool]
 *
 * Every `--<term>` flag comes from FUSION_TERMS (src/search/fusion.ts); unset terms keep the
 * model's weights. `--setting` adds explicit settings; `--preset prototype` is "cosine +
 * coverage²" and nothing else.
 */
import { Command, Option } from 'commander';
import { FUSION_TERM_NAMES, type FusionTerm, type FusionWeights } from '../search/fusion.ts';
import type { EmbedFn } from '../search/search.ts';
import { leaveOneSetOut, PRESETS, type Cell } from './held-out.ts';
import { summarize, type Metrics } from './metrics.ts';
import { askAll, ingestSet, itemsOf, openTempIndex, type TempIndex } from './runner.ts';
import { loadEvalSet, type EvalSet } from './set.ts';
import { addGridFlags, describeWeights, gridOf } from './terms.ts';

/** Caches the engine's embeddings of single texts (questions), keyed by text. */
function cacheEmbeddings(index: TempIndex): void {
  const pool = index.engine.internals.embeddingPool();
  if (!pool) return;
  const original = pool.embed.bind(pool);
  const cache = new Map<string, Float32Array>();
  const cached: EmbedFn = async (texts) => {
    const missing = texts.filter((t) => !cache.has(t));
    if (missing.length > 0) (await original(missing, { priority: true })).forEach((v, i) => cache.set(missing[i]!, v));
    return texts.map((t) => cache.get(t)!);
  };
  pool.embed = (texts, options) => (options?.onBatch ? original(texts, options) : cached([...texts]));
}

function parseSetting(text: string): Partial<FusionWeights> {
  const out: Partial<FusionWeights> = {};
  for (const pair of text.split(',')) {
    const [name, value] = pair.split('=').map((x) => x.trim());
    if (!FUSION_TERM_NAMES.includes(name as FusionTerm) || !Number.isFinite(Number(value))) {
      throw new Error(`--setting ${text}: "${pair}" is not term=value (terms: ${FUSION_TERM_NAMES.join(', ')})`);
    }
    out[name as FusionTerm] = Number(value);
  }
  return out;
}

const fmt = (m: Metrics) => `${m['hit@1'].toFixed(3)}/${m['hit@5'].toFixed(3)}/${m['mrr@10'].toFixed(3)}`;

async function main(
  paths: string[],
  o: Record<string, unknown> & { model?: string; setting?: string[]; preset?: string; json?: boolean; pool?: boolean },
): Promise<void> {
  const sets: EvalSet[] = paths.map(loadEvalSet);
  const presets = (o.preset ?? '')
    .split(',')
    .filter(Boolean)
    .map((name) => {
      const preset = PRESETS[name];
      if (!preset) throw new Error(`--preset ${name}: known presets are ${Object.keys(PRESETS).join(', ')}`);
      return preset;
    });
  const explicit = (o.setting ?? []).map(parseSetting);
  const flagged = FUSION_TERM_NAMES.some((t) => Array.isArray(o[t])) ? gridOf(o) : [];
  const settings = [...presets, ...explicit, ...flagged];
  if (settings.length === 0) settings.push({});
  const indexes: { set: EvalSet; index: TempIndex }[] = [];
  const cells: Cell[] = [];
  let base: FusionWeights | null = null;
  try {
    if (o.pool) {
      // One library of every set's articles: each question competes with the other sets' passages
      // too, closer to a real library than a set's own few articles.
      const index = await openTempIndex({ model: o.model });
      const articles = sets.flatMap((set) => set.articles);
      process.stderr.write(`pool: indexing ${articles.length} articles\n`);
      await ingestSet(index.engine, articles);
      cacheEmbeddings(index);
      for (const set of sets) indexes.push({ set, index });
    } else {
      for (const set of sets) {
        const index = await openTempIndex({ model: o.model });
        indexes.push({ set, index });
        process.stderr.write(`${set.name}: indexing ${set.articles.length} articles\n`);
        await ingestSet(index.engine, set.articles);
        cacheEmbeddings(index);
      }
    }
    base = { ...indexes[0]!.index.engine.internals.fusionWeights() };
    for (const [i, overrides] of settings.entries()) {
      const line: string[] = [];
      for (const { set, index } of indexes) {
        index.engine.internals.setFusionWeights({ ...base!, ...overrides });
        const outcomes = await askAll(index.engine, itemsOf(set), { mode: 'hybrid', k: 10, highlight: false });
        const metrics = summarize(outcomes);
        cells.push({ setting: i, set: set.name, metrics });
        line.push(`${set.name} ${fmt(metrics)}`);
      }
      process.stdout.write(`#${i} ${describeWeights({ ...base!, ...overrides })}\n    ${line.join('  |  ')}\n`);
    }
  } finally {
    for (const index of new Set(indexes.map((i) => i.index))) await index.close();
  }
  const heldOut = leaveOneSetOut(
    cells,
    settings.length,
    sets.map((s) => s.name),
  );
  process.stdout.write(
    '\nleave-one-set-out (hit@1/hit@5/MRR@10): chosen on the other sets, measured on the one left out\n',
  );
  for (const h of heldOut) {
    process.stdout.write(
      `  ${h.set.padEnd(16)} held-out #${h.chosen} ${fmt(h.metrics)}   (best on itself, in-sample: #${h.oracle} ${fmt(h.oracleMetrics)})\n`,
    );
  }
  if (o.json)
    process.stdout.write(
      `${JSON.stringify({ settings: settings.map((s) => ({ ...base!, ...s })), cells, heldOut })}\n`,
    );
}

addGridFlags(new Command())
  .argument('<sets...>')
  .option(
    '--setting <terms>',
    'an explicit setting, term=value,term=value (repeatable)',
    (v: string, all: string[] = []) => [...all, v],
  )
  .option('--preset <names>', `named settings: ${Object.keys(PRESETS).join(', ')}`)
  .addOption(new Option('--model <name>', 'embedding model'))
  .option('--json', 'also print every figure as one JSON line')
  .option('--pool', "index every set's articles together, so each set's questions also meet the other sets' passages")
  .action(main)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
