/**
 * An in-process BM25 keyword index over analyzed passage terms, scoring exactly as SQLite's
 * FTS5 `bm25()` does (sqlite/ext/fts5/fts5_aux.c), so a backend without FTS5 (PostgreSQL)
 * ranks keyword candidates the same way. Why not PostgreSQL's own search: `ts_rank_cd` is
 * not BM25 and shared only a quarter of FTS5's top 50 (see docs/operations.md).
 *
 * The formula, per query phrase i with frequency f in a passage of D tokens:
 *   idf_i  = ln((N - n_i + 0.5) / (n_i + 0.5)), and 1e-6 when that is <= 0 (FTS5's clamp)
 *   score += idf_i * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)),  k1 = 1.2, b = 0.75
 * where N is the passage count, avgdl the token total over N and n_i the passages holding
 * phrase i. FTS5 returns -score; this index returns +score (higher is better).
 *
 * Terms are tokenized as FTS5's `unicode61 tokenchars '.'` tokenizer does, so an analyzed term
 * such as "didn't" is the two tokens "didn" "t" and, in a query, the phrase "didn t".
 */

import type { KeywordHit } from '../store-api.ts';

const K1 = 1.2;
const B = 0.75;
/** FTS5's floor for an idf that would be negative (a phrase in more than half the passages). */
const MIN_IDF = 1e-6;

/** FTS5 unicode61 with tokenchars '.': runs of letters, numbers, private-use characters and '.'. */
const TOKEN = /[\p{L}\p{N}\p{Co}.]+/gu;
/** The same for ASCII text (all analyzed terms are), several times faster. */
const ASCII_TOKEN = /[a-z0-9.]+/g;
const ASCII = /^[\x00-\x7f]*$/;

/** The FTS5 tokens of an analyzed term or of a passage's terms. */
export function ftsTokens(text: string): string[] {
  const lower = text.toLowerCase();
  return lower.match(ASCII.test(lower) ? ASCII_TOKEN : TOKEN) ?? [];
}

/** The whole corpus's numbers that BM25 needs: they may cover more than this index holds. */
export interface Bm25Stats {
  /** Passages in the corpus (FTS5's row count). */
  passages: number;
  /** Tokens over all passages (FTS5's total column size). */
  tokens: number;
  /** Passages holding the phrase (its tokens, in order, adjacent). */
  documentFrequency(phrase: readonly string[]): number;
}

export interface KeywordSearchOptions {
  /** Only passages it accepts (a collection or filter); all when absent. */
  accept?: (rowid: number) => boolean;
  /** The corpus statistics to score with; the index's own when absent. */
  stats?: Bm25Stats;
}

/** A token's postings: slots of the passages holding it and how often, in insertion order. */
interface Postings {
  slots: number[];
  counts: number[];
}

export class KeywordIndex {
  private readonly tokenIds = new Map<string, number>();
  private readonly postings: Postings[] = [];
  /** Per slot: the passage's token ids in order (for phrases and lengths), null when removed. */
  private readonly docs: (Uint32Array | null)[] = [];
  private readonly rowids: number[] = [];
  private readonly slotOf = new Map<number, number>();
  private liveTokens = 0;
  private deadSlots = 0;
  private scores = new Float64Array(0);

  /** Passages held. */
  get size(): number {
    return this.slotOf.size;
  }

  has(rowid: number): boolean {
    return this.slotOf.has(rowid);
  }

  /** Adds (or replaces) a passage by its analyzed terms. */
  add(rowid: number, terms: readonly string[]): void {
    if (this.slotOf.has(rowid)) this.remove(rowid);
    const tokens = ftsTokens(terms.join(' '));
    const ids = new Uint32Array(tokens.length);
    const counts = new Map<number, number>();
    tokens.forEach((token, i) => {
      let id = this.tokenIds.get(token);
      if (id === undefined) {
        id = this.postings.length;
        this.tokenIds.set(token, id);
        this.postings.push({ slots: [], counts: [] });
      }
      ids[i] = id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
    const slot = this.docs.length;
    this.docs.push(ids);
    this.rowids.push(rowid);
    this.slotOf.set(rowid, slot);
    for (const [id, count] of counts) {
      const postings = this.postings[id]!;
      postings.slots.push(slot);
      postings.counts.push(count);
    }
    this.liveTokens += ids.length;
  }

  /** Removes a passage; a no-op when it is not held. */
  remove(rowid: number): void {
    const slot = this.slotOf.get(rowid);
    if (slot === undefined) return;
    this.liveTokens -= this.docs[slot]!.length;
    // Postings keep the dead slot until compaction: removing from long lists one by one is quadratic.
    this.docs[slot] = null;
    this.slotOf.delete(rowid);
    this.deadSlots += 1;
    if (this.deadSlots > 1024 && this.deadSlots > this.docs.length / 4) this.compact();
  }

  /** The index's own statistics: exact FTS5 numbers when it holds the whole corpus. */
  localStats(): Bm25Stats {
    return {
      passages: this.size,
      tokens: this.liveTokens,
      documentFrequency: (phrase) => {
        let n = 0;
        this.forEachMatch(phrase, () => (n += 1));
        return n;
      },
    };
  }

  /**
   * The top `k` passages for the question's analyzed tokens, any of which may match (FTS5's
   * `"a" OR "b"`), best first; ties in rowid order.
   */
  search(queryTokens: readonly string[], k: number, options: KeywordSearchOptions = {}): KeywordHit[] {
    const stats = options.stats ?? this.localStats();
    const phrases = queryTokens.map(ftsTokens).filter((phrase) => phrase.length > 0);
    if (phrases.length === 0 || k <= 0 || stats.passages === 0) return [];
    const avgdl = stats.tokens / stats.passages;
    if (this.scores.length < this.docs.length)
      this.scores = new Float64Array(Math.max(this.docs.length, this.scores.length * 2));
    const scores = this.scores;
    const touched: number[] = [];
    for (const phrase of phrases) {
      const n = stats.documentFrequency(phrase);
      let idf = Math.log((stats.passages - n + 0.5) / (n + 0.5));
      if (idf <= 0) idf = MIN_IDF;
      this.forEachMatch(phrase, (slot, frequency, length) => {
        // A touched slot's score is positive (every idf is at least MIN_IDF), so 0 means untouched.
        if (scores[slot] === 0) touched.push(slot);
        // Term by term as fts5Bm25Function computes it, so the sums agree to the last bit.
        scores[slot] += idf * ((frequency * (K1 + 1.0)) / (frequency + K1 * (1 - B + (B * length) / avgdl)));
      });
    }
    const hits: KeywordHit[] = [];
    for (const slot of touched) {
      const id = this.rowids[slot]!;
      if (!options.accept || options.accept(id)) hits.push({ id, score: scores[slot]! });
      scores[slot] = 0;
    }
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, k);
  }

  /** Calls `fn` for each live passage holding the phrase, with how often it occurs and the passage's length. */
  private forEachMatch(phrase: readonly string[], fn: (slot: number, frequency: number, length: number) => void): void {
    const ids: number[] = [];
    for (const token of phrase) {
      const id = this.tokenIds.get(token);
      if (id === undefined) return;
      ids.push(id);
    }
    const { slots, counts } = this.postings[ids[0]!]!;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const doc = this.docs[slot];
      if (!doc) continue;
      const frequency = ids.length === 1 ? counts[i]! : countPhrase(doc, ids);
      if (frequency > 0) fn(slot, frequency, doc.length);
    }
  }

  /** Drops removed passages from the postings and renumbers the slots. */
  private compact(): void {
    const newSlot = new Int32Array(this.docs.length).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.docs.length; slot++) {
      const doc = this.docs[slot];
      if (!doc) continue;
      newSlot[slot] = next;
      this.docs[next] = doc;
      this.rowids[next] = this.rowids[slot]!;
      this.slotOf.set(this.rowids[next]!, next);
      next += 1;
    }
    this.docs.length = next;
    this.rowids.length = next;
    for (const postings of this.postings) {
      let kept = 0;
      for (let i = 0; i < postings.slots.length; i++) {
        const slot = newSlot[postings.slots[i]!]!;
        if (slot < 0) continue;
        postings.slots[kept] = slot;
        postings.counts[kept] = postings.counts[i]!;
        kept += 1;
      }
      postings.slots.length = kept;
      postings.counts.length = kept;
    }
    this.deadSlots = 0;
  }
}

/** Occurrences of the token sequence `ids` in `doc` (FTS5 counts overlapping ones too). */
function countPhrase(doc: Uint32Array, ids: readonly number[]): number {
  let count = 0;
  outer: for (let start = 0; start + ids.length <= doc.length; start++) {
    for (let j = 0; j < ids.length; j++) if (doc[start + j] !== ids[j]) continue outer;
    count += 1;
  }
  return count;
}
