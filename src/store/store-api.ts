/**
 * The store contract: what every backend (SQLite, the default, in src/store/sqlite/; PostgreSQL
 * in src/store/postgres/) implements, and all that search, the engine and the vector index may
 * ask of a store. Async and batched, so a backend across a network costs one round trip per
 * question step, and free of any SQL dialect: keyword search takes analyzed tokens and answers
 * scores where higher is better.
 *
 * Consumers depend on the narrowest part they need: search on `SearchPort`, the vector index on
 * `IndexSource`. The engine holds the whole `CitebotStore`. New table groups (feeds, …) add
 * their own sub-interface here and join `CitebotStore`.
 *
 * Writes and the change log: every write that changes passages is one transaction that takes
 * the next generation (generations are consecutive integers, never skipped, never reused) and
 * logs each passage it removed or added under that generation and its collection. A derived
 * cache (the HNSW index, an in-process keyword index) remembers the generation it reflects and
 * catches up with `changesSince`; when the log has been pruned past that generation it gets
 * null and rebuilds from the store. See docs/architecture.md, "Store contract".
 */
import type { Article, ArticleFilter, CollectionId, Passage } from '../types.ts';

/**
 * A passage's id: a positive integer, unique in the store while the passage exists. A backend
 * may hand the id of a removed passage out again (SQLite does); the change log makes that safe.
 * Vector-index labels are passage ids, so vector hits join keyword hits directly.
 */
export type PassageId = number;

/** A store generation: 0 for a new store, +1 for every committed write that changed passages. */
export type Generation = number;

/** Which passages a read covers: the articles of these collections within the filter. */
export interface Scope {
  collections: readonly CollectionId[];
  filter?: ArticleFilter;
}

export interface StoredArticle extends Omit<Article, 'paragraphs' | 'pages'> {
  /** The backend's integer id of the article (not its `id`, which is unique per collection only). */
  rowid: number;
  collection: CollectionId;
  content_hash: string;
  /** The paragraphs joined by blank lines. */
  body: string;
  paragraph_count: number;
  ingested_at: string;
  /** Documents with pages (PDF): the page each paragraph begins on; absent or null otherwise. */
  pages?: number[] | null;
}

/** The article as it was ingested (its paragraphs are stored joined by blank lines). */
export function storedToArticle(stored: StoredArticle): Article {
  return {
    id: stored.id,
    title: stored.title,
    date: stored.date,
    source: stored.source,
    section: stored.section,
    url: stored.url,
    ...(stored.author ? { author: stored.author } : {}),
    paragraphs: stored.body.split('\n\n'),
    ...(stored.pages ? { pages: stored.pages } : {}),
  };
}

export interface StoredPassage {
  /** The passage's id (`PassageId`). */
  rowid: PassageId;
  article_rowid: number;
  position: number;
  paragraph_start: number;
  paragraph_end: number;
  char_start: number;
  char_end: number;
  text: string;
}

export interface PassageToStore extends Passage {
  /** The analyzed tokens keyword search matches (src/search/lexical.ts `analyze`). */
  terms: string[];
  vector: Float32Array | null;
}

/** The embedding model that built the store's vectors. */
export interface ModelRecord {
  id: string;
  dim: number | null;
}

export type ArticleRow = StoredArticle & { passages: number };

export interface ArticleQuery {
  /** Part of the title or id (case ignored). */
  search?: string;
  filter?: ArticleFilter;
}

export interface ArticlePage extends ArticleQuery {
  limit?: number;
  offset?: number;
}

export interface SourceCount {
  source: string;
  articles: number;
}

/** One article to write with its passages (replacing whatever the collection held under its id). */
export interface ArticleToSave {
  collection: CollectionId;
  article: Article;
  body: string;
  contentHash: string;
  passages: readonly PassageToStore[];
}

/** What a committed write changed, for the caches that mirror it. */
export interface WriteResult {
  /** The generation the write took. */
  generation: Generation;
  /** Passages removed (replaced or deleted). */
  removed: PassageId[];
  /** Passages added, in the order they were given. */
  added: PassageId[];
}

/** A candidate passage with everything search measures it by, fetched in one call. */
export interface CandidateRow {
  passage: StoredPassage;
  /** Its analyzed terms, as stored for keyword search. */
  terms: string[];
  vector: Float32Array | null;
  article: StoredArticle;
}

/** A keyword match. `score` is BM25 (FTS5's formula and parameters): higher is better. */
export interface KeywordHit {
  id: PassageId;
  score: number;
}

/** The corpus statistics search's idf uses: over the whole store, not a scope. */
export interface CorpusStats {
  /** Passages in the store. */
  passages: number;
  /** For each token asked about, the number of passages holding it (absent: none). */
  documentFrequencies: Map<string, number>;
}

export interface StoredVector {
  id: PassageId;
  vector: Float32Array;
}

// ---------------------------------------------------------------------------------------------
// The parts

/** Articles and their counts, scoped to collections (a Discord server sees its own and the library). */
export interface ArticleReads {
  findArticle(collection: CollectionId, id: string): Promise<StoredArticle | null>;
  /** Newest date first, then title. */
  listArticles(collections: CollectionId | readonly CollectionId[], options?: ArticlePage): Promise<ArticleRow[]>;
  countArticles(collections: CollectionId | readonly CollectionId[], options?: ArticleQuery): Promise<number>;
  /** Articles in every collection. */
  countAllArticles(): Promise<number>;
  /** The articles' sources, those with most articles first; `search` keeps those containing it (case ignored). */
  listSources(
    collections: CollectionId | readonly CollectionId[],
    options?: { search?: string; limit?: number },
  ): Promise<SourceCount[]>;
  listCollections(): Promise<CollectionId[]>;
  /** One collection's articles in the order they were first stored, a page at a time. */
  articlesOf(collection: CollectionId): AsyncIterable<StoredArticle>;
  /** Passages of these collections, or of the whole store. */
  countPassages(collections?: CollectionId | readonly CollectionId[]): Promise<number>;
  countPassagesOf(articleRowid: number): Promise<number>;
}

/** Writes. Each call is one transaction that takes the next generation and logs its passages. */
export interface ArticleWrites {
  /** Replaces the article (by collection and id) and its passages: no duplicates, no orphans. */
  saveArticle(item: ArticleToSave): Promise<WriteResult>;
  /**
   * Replaces many articles and, when given, records the model, all in one transaction under one
   * generation (reindex: everything re-embedded is swapped in at once, or nothing is).
   */
  saveArticles(items: readonly ArticleToSave[], options?: { model?: ModelRecord }): Promise<WriteResult>;
  /** Removes an article and its passages; null (and no generation taken) when it is absent. */
  deleteArticle(collection: CollectionId, id: string): Promise<(WriteResult & { article: StoredArticle }) | null>;
}

/** The change log every process's derived caches catch up from. */
export interface ChangeLog {
  /** The generation of the last committed write. */
  generation(): Promise<Generation>;
  /**
   * The passages removed, added or replaced by writes after `since` (ascending, distinct), in any
   * of `collections` (all when omitted); null when the log no longer reaches back to `since`.
   * A listed passage may since be gone: the reader fetches its current state (`vectorsOf`).
   */
  changesSince(since: Generation, collections?: readonly CollectionId[]): Promise<PassageId[] | null>;
  /** Forgets the changes of generations up to `through`; readers behind it rebuild. */
  pruneChanges(through: Generation): Promise<void>;
  /**
   * Optional: calls `listener` when a write committed, by any process, once the backend's own
   * caches have caught up (PostgreSQL's NOTIFY), so derived caches need not wait for the next
   * question. Returns the unsubscribe. Backends without it are caught up with on demand.
   */
  onChange?(listener: (generation: Generation) => void): () => void;
}

/** What search reads: the narrow port src/search/ depends on. */
export interface SearchPort extends Pick<ChangeLog, 'generation'> {
  corpusStats(tokens: readonly string[]): Promise<CorpusStats>;
  /** BM25 top `k` over analyzed tokens (any of them), within the scope, best first; ties by id. */
  keywordSearch(tokens: readonly string[], scope: Scope, k: number): Promise<KeywordHit[]>;
  /** The ids of the passages in the scope (the filter for vector search). */
  passageIds(scope: Scope): Promise<ReadonlySet<PassageId>>;
  /** The stored vectors of the passages in the scope (exact search over a small filtered scope). */
  vectorsIn(scope: Scope): Promise<StoredVector[]>;
  /** The candidates' passages, terms, vectors and articles in one call; ids no longer stored are left out. */
  candidates(ids: readonly PassageId[]): Promise<Map<PassageId, CandidateRow>>;
}

/** What the vector index reads to build itself and catch up. */
export interface IndexSource
  extends
    Pick<ChangeLog, 'generation' | 'changesSince'>,
    Pick<ArticleReads, 'countPassages'>,
    Pick<ModelMeta, 'model'> {
  /** Every passage id in the store. */
  allPassageIds(): Promise<ReadonlySet<PassageId>>;
  /** The current vectors of these passages; ids without one (removed, or keyword-only) are left out. */
  vectorsOf(ids: readonly PassageId[]): Promise<Map<PassageId, Float32Array>>;
  /** Stored vectors with ids above `after`, ascending, at most `limit`: one page of a rebuild. */
  vectorsAfter(after: PassageId, limit: number): Promise<StoredVector[]>;
}

/** The embedding model record and the analyzer version of the stored terms. */
export interface ModelMeta {
  /** The model that built this store's vectors, or null for a new store. */
  model(): Promise<ModelRecord | null>;
  setModel(model: ModelRecord): Promise<void>;
  /**
   * The answer calibrations made on this machine (self-calibration), kept with the model as the
   * JSON text search wrote (src/search/calibration.ts); null when none was made.
   */
  calibrations(): Promise<string | null>;
  /** Replaces the calibrations kept in the store (no generation: passages are unchanged). */
  setCalibrations(json: string): Promise<void>;
  /**
   * Rewrites every passage's terms with `termsOf` when they were written by another analyzer
   * `version`; returns how many were rewritten (0 when the version matches). Run at open.
   */
  reanalyze(version: number, termsOf: (text: string) => string[]): Promise<number>;
}

export interface QuestionFilter {
  unanswered?: boolean;
  downvoted?: boolean;
  /** Only questions logged before this one (the next page of a list). */
  beforeId?: number;
  limit: number;
}

/** A logged question as "More passages" asks it again. */
export interface LoggedAsk {
  question: string;
  collection: CollectionId;
  /** The dates or source it was limited to. */
  filter: ArticleFilter | null;
}

/** One logged question with its votes. */
export interface LoggedQuestion extends LoggedAsk {
  id: number;
  answered: boolean;
  askedAt: string;
  up: number;
  down: number;
}

export interface QuestionStats {
  asked: number;
  /** The 10 most recent questions no passage answered. */
  unanswered: { question: string; askedAt: string }[];
  /** Up to 5 questions asked more than once (case and spacing ignored), most often first; `answered` counts the times one was. */
  mostAsked: { question: string; times: number; answered: number }[];
  /** The 10 most recent questions whose reply someone marked 👎, with how many did. */
  downvoted: { question: string; askedAt: string; down: number }[];
  up: number;
  down: number;
}

/** The question log and its votes (not part of the change log: no cache derives from them). */
export interface QuestionLog {
  /** Returns the question's id. */
  logQuestion(collection: CollectionId, question: string, answered: boolean, filter?: ArticleFilter): Promise<number>;
  question(id: number): Promise<LoggedAsk | null>;
  /** One vote per user and question; a second vote replaces the first. */
  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): Promise<void>;
  /** Newest first, with each question's votes. */
  listQuestions(collection: CollectionId | undefined, options: QuestionFilter): Promise<LoggedQuestion[]>;
  questionStats(collection?: CollectionId): Promise<QuestionStats>;
}

/** A collection loaded into this process's memory (the keyword index of PostgreSQL's partition). */
export interface CollectionLoaded {
  collection: CollectionId;
  passages: number;
  ms: number;
}

/** Which backend and where, for `stats` and messages. */
export interface StoreDescription {
  backend: 'sqlite' | 'postgres';
  /** The file, or the database URL without its password. */
  location: string;
}

/** A whole store: every part above. */
export interface CitebotStore
  extends ArticleReads, ArticleWrites, ChangeLog, SearchPort, IndexSource, ModelMeta, QuestionLog {
  readonly description: StoreDescription;
  /**
   * Optional: calls `listener` each time the backend loads a collection into this process's
   * memory (PostgreSQL loads a collection the first time it is searched, so a shard holds only
   * the collections of the servers it serves). Returns the unsubscribe.
   */
  onCollectionLoaded?(listener: (loaded: CollectionLoaded) => void): () => void;
  close(): Promise<void>;
}

/** A followed feed or sitemap, with its validators and health. */
export interface FollowedFeed {
  id: number;
  url: string;
  /** Where its articles go: "library" (CLI) or a Discord server id. */
  collection: CollectionId;
  /** The source its articles are credited to; null: the feed's own title. */
  sourceName: string | null;
  /** The feed's title, as last read. */
  title: string | null;
  everyMs: number;
  /** A Discord channel newly indexed articles are announced in. */
  announceChannel: string | null;
  addedAt: string;
  etag: string | null;
  lastModified: string | null;
  /** When the scheduler polls it next (ISO). */
  nextPollAt: string;
  /** Failed polls in a row (drives the back-off). */
  failures: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Articles indexed from it so far. */
  items: number;
}

export interface NewFeed {
  url: string;
  collection: CollectionId;
  sourceName: string | null;
  everyMs: number;
  announceChannel: string | null;
}

/** An item of a feed already indexed, to tell new and changed items from seen ones. */
export interface SeenItem {
  key: string;
  articleId: string;
  /** The item's updated date as last seen. */
  updated: string | null;
  hash: string;
}

/** What one poll changes about a feed. */
export interface FeedPollRecord {
  etag?: string | null;
  lastModified?: string | null;
  title?: string | null;
  nextPollAt: string;
  /** Set on success (failures back to 0) … */
  succeededAt?: string;
  /** … or on failure (failures + 1). */
  error?: string;
  /** Items indexed by this poll (added to `items`). */
  itemsAdded?: number;
}

/**
 * Followed feeds (src/ingest/feeds/): a sub-interface of its own, so a backend can add it
 * without touching articles or passages. SQLite: src/store/sqlite/feeds.ts.
 */
export interface FeedStore {
  /** Throws `already_exists` when the collection already follows this URL. */
  addFeed(feed: NewFeed): Promise<FollowedFeed>;
  /** All followed feeds, or one collection's, oldest first. */
  listFeeds(collection?: CollectionId): Promise<FollowedFeed[]>;
  feed(id: number): Promise<FollowedFeed | null>;
  /** Stops following; its articles stay. Returns whether it existed. */
  removeFeed(id: number): Promise<boolean>;
  seenItems(feedId: number): Promise<Map<string, SeenItem>>;
  markSeen(feedId: number, items: readonly SeenItem[]): Promise<void>;
  recordPoll(feedId: number, record: FeedPollRecord): Promise<void>;
  /** For /sources: the feed each of these articles came from (article id → feed), within a collection. */
  feedsOfArticles(collection: CollectionId, articleIds: readonly string[]): Promise<Map<string, FollowedFeed>>;
}
