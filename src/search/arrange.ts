/**
 * Arranging the fused ranking: one copy of each passage text, at most a few passages per article,
 * and the re-ranker's order when one is configured.
 */
import { closestInMeaning } from './fusion.ts';
import type { Hit, SearchDeps } from './search.ts';

/**
 * The text two passages are compared by for duplicates: Unicode form, case, spacing, quote
 * marks and punctuation ignored, so the same wire paragraph from two sites is one passage.
 */
export function duplicateKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Keeps the best-ranked copy of each passage text and lists where else it stands in its
 * `alsoIn`: a reply of three passages should not spend two of them on the same words. A
 * passage whose whole text stands inside another counts as a copy too, because articles
 * split the same copy differently (a short closing line joins the paragraph before it).
 */
export function collapseDuplicates(ranked: readonly Hit[]): Hit[] {
  const kept: { key: string; hit: Hit }[] = [];
  for (const hit of ranked) {
    const key = ` ${duplicateKey(hit.passage.text)} `;
    const original = kept.find((k) => k.key.includes(key) || key.includes(k.key));
    if (original) original.hit.alsoIn.push({ passage: hit.passage, article: hit.article }, ...hit.alsoIn);
    else kept.push({ key, hit: { ...hit, alsoIn: [...hit.alsoIn] } });
  }
  return kept.map((k) => k.hit);
}

/**
 * Keeps at most `perArticle` passages of each article, best first. `keep` (the passage closest
 * in meaning, whose place a hybrid reply holds) is kept and not counted, so an article can
 * give one passage more: when its keyword matches fill its share, its paraphrase answer is
 * still shown. (xquad-en hit@5 1185 → 1186 before synonyms, 1184 → 1185 with them; making
 * room by dropping the article's lowest passage instead gave 1184 with them: "What do some
 * people protest against?" lost its answer to four passages of one article holding
 * "Protestant".)
 */
export function capPerArticle<T extends { article: { rowid: number } }>(
  ranked: readonly T[],
  perArticle: number,
  keep?: T,
): T[] {
  const seen = new Map<number, number>();
  return ranked.filter((hit) => {
    if (hit === keep) return true;
    const n = seen.get(hit.article.rowid) ?? 0;
    seen.set(hit.article.rowid, n + 1);
    return n < perArticle;
  });
}

/** What the re-ranker reads of a passage: its article's title gives "he" and "the company" their names. */
function rerankText(hit: Hit): string {
  return `${hit.article.title}. ${hit.passage.text}`;
}

/**
 * Lets the re-ranker order the best `candidates` fused passages, and the one closest in meaning
 * when fusion ranked it below them; the rest follow in fused order.
 */
export async function rerank(
  reranker: NonNullable<SearchDeps['reranker']>,
  question: string,
  ranked: readonly Hit[],
): Promise<Hit[]> {
  const head = ranked.slice(0, reranker.candidates);
  const closest = closestInMeaning(ranked);
  if (closest && !head.includes(closest)) head.push(closest);
  if (head.length === 0) return [];
  const relevances = await reranker.score(question, head.map(rerankText));
  const read = head.map((hit, i) => ({ ...hit, relevance: relevances[i] ?? 0 }));
  read.sort((a, b) => b.relevance - a.relevance || b.score - a.score);
  return [...read, ...ranked.filter((hit) => !head.includes(hit))];
}
