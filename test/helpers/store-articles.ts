/**
 * Articles ready for a store's saveArticle, without the embedding pipeline: one passage per
 * paragraph, the real analyzer's terms, and seeded vectors (store tests need stored vectors,
 * not meaningful ones).
 */
import { analyze } from '../../src/search/lexical.ts';
import { seededRandom } from '../../src/seeded-random.ts';
import type { ArticleToSave } from '../../src/store/store-api.ts';
import type { Article, CollectionId } from '../../src/types.ts';

export function articleToSave(
  collection: CollectionId,
  article: Article,
  options: { dim?: number; seed?: number } = {},
): ArticleToSave {
  const dim = options.dim ?? 8;
  const random = seededRandom(options.seed ?? article.id.length * 7919 + article.paragraphs.length);
  const body = article.paragraphs.join('\n\n');
  let offset = 0;
  const passages = article.paragraphs.map((text, position) => {
    const charStart = offset;
    offset += text.length + 2;
    const vector = new Float32Array(dim).map(() => random() - 0.5);
    return {
      position,
      paragraphStart: position,
      paragraphEnd: position,
      charStart,
      charEnd: charStart + text.length,
      text,
      terms: analyze(text),
      vector,
    };
  });
  return { collection, article, body, contentHash: `hash-${article.id}-${body.length}`, passages };
}

export function simpleArticle(id: string, paragraphs: string[], extra: Partial<Article> = {}): Article {
  return {
    id,
    title: `Title of ${id}`,
    date: '2024-01-10',
    source: 'Test Wire',
    section: null,
    url: null,
    paragraphs,
    ...extra,
  };
}
