/**
 * Can anything USE-lite, the word vectors and the thesaurus know tell a near-miss question (it
 * names what an article is about and asks something the article does not say) from an answerable
 * one? For every question of a set, on a temporary use-lite index, it measures the first passage:
 *
 *   score     the fused score (what "no answer" is decided on)
 *   focus     idf share of the question's focus (its words other than names and numbers) in the passage
 *   focusSyn  the share of the focus the passage holds as thesaurus synonyms instead
 *   focusSent the focus share in the passage's best sentence
 *   focusCos  USE-lite cosine of the question with its names taken out, to the passage's closest sentence
 *
 * and prints, per answerable style, the AUC against the set's unanswerable questions and against
 * a synthetic near-miss set (each answerable question with its answering passages left out):
 * the chance that an answerable question scores higher (0.5: no better than chance).
 *
 *   npx tsx scripts/near-miss-features.ts eval/news-en.json
 */
import { loadConfig } from '../src/config.ts';
import { dot } from '../src/embed/similarity.ts';
import { WordVectors } from '../src/embed/word-vectors.ts';
import { modelsDir } from '../src/embed/models.ts';
import { isHit } from '../src/eval/metrics.ts';
import { EVAL_COLLECTION, ingestSet, itemsOf, openTempIndex, rankedPassage } from '../src/eval/runner.ts';
import { loadEvalSet } from '../src/eval/set.ts';
import { analyze } from '../src/search/lexical.ts';
import type { Hit } from '../src/search/search.ts';
import { bundledSynonyms, passageWords, synonymCoverage, synonymQueries } from '../src/search/synonyms.ts';
import { splitSentences } from '../src/text/sentences.ts';

const FEATURES = ['score', 'focus', 'focusSyn', 'focusSent', 'focusCos'] as const;
type Row = { kind: string } & Record<(typeof FEATURES)[number], number>;

/** Names and numbers (capitalized or digit words after the first) are the question's anchors. */
function splitAnchors(question: string): { anchors: Set<string>; withoutAnchors: string } {
  const anchors = new Set<string>();
  const kept = question.split(/\s+/).filter((word, i) => {
    const bare = word.replace(/[^\p{L}\p{N}'-]/gu, '');
    const anchor = i > 0 && (/^\p{Lu}/u.test(bare) || /\d/.test(bare));
    if (anchor) for (const token of analyze(bare)) anchors.add(token);
    return !anchor;
  });
  return { anchors, withoutAnchors: kept.join(' ') };
}

function auc(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx scripts/near-miss-features.ts <set.json>');
const set = loadEvalSet(file);
const index = await openTempIndex({ model: 'use-lite' });
const { engine } = index;
const embed = engine.internals.embedder()!;
const words = (await WordVectors.open(modelsDir(loadConfig())))!;
const synonyms = bundledSynonyms()!;
await ingestSet(engine, set.articles);
const rows: Row[] = [];
for (const item of itemsOf(set)) {
  const result = await engine.internals.retrieve(item.q, { collections: [EVAL_COLLECTION], k: 20 });
  const { anchors, withoutAnchors } = splitAnchors(item.q);
  const focus = result.questionTokens.filter((t) => !anchors.has(t));
  const focusTotal = focus.reduce((sum, t) => sum + result.idf(t), 0) || 1;
  const [focusVector] = await embed([withoutAnchors]);
  const variants: [string, Hit[]][] = item.gold
    ? [
        [item.style ?? 'answerable', result.hits],
        ['near-miss (synthetic)', result.hits.filter((h) => !isHit(rankedPassage(h), item.gold!))],
      ]
    : [['near-miss (set)', result.hits]];
  for (const [kind, hits] of variants) {
    const top = hits[0];
    if (!top) continue;
    const text = `${top.article.title}\n${top.passage.text}`;
    const terms = new Set(analyze(text));
    const share = (has: (t: string) => boolean) =>
      focus.reduce((sum, t) => sum + (has(t) ? result.idf(t) : 0), 0) / focusTotal;
    const queries = synonymQueries(item.q, focus, result.idf, synonyms, words);
    const sentences = splitSentences(top.passage.text);
    const vectors = await embed(sentences);
    rows.push({
      kind,
      score: top.score,
      focus: share((t) => terms.has(t)),
      focusSyn: queries.length > 0 ? synonymCoverage(queries, terms, passageWords(text, words)) : 0,
      focusSent: Math.max(
        0,
        ...sentences.map((s) => share((t) => new Set(analyze(`${top.article.title} ${s}`)).has(t))),
      ),
      focusCos: Math.max(-1, ...vectors.map((v) => dot(v, focusVector!))),
    });
  }
}
await index.close();
const kinds = [...new Set(rows.map((r) => r.kind))];
const negatives = kinds.filter((k) => k.startsWith('near-miss'));
console.log(`AUC (answerable above near-miss), ${set.name}: ${FEATURES.join(', ')}`);
for (const negative of negatives) {
  for (const positive of kinds.filter((k) => !k.startsWith('near-miss'))) {
    const p = rows.filter((r) => r.kind === positive);
    const n = rows.filter((r) => r.kind === negative);
    console.log(
      `${`${positive} (${p.length})`.padEnd(18)} vs ${`${negative} (${n.length})`.padEnd(28)} ${FEATURES.map(
        (f) =>
          `${f} ${auc(
            p.map((r) => r[f]),
            n.map((r) => r[f]),
          ).toFixed(2)}`,
      ).join('  ')}`,
    );
  }
}
process.exit(0);
