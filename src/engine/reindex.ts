/**
 * Re-embedding the library with another model (or the same one, to repair), then swapping it
 * in. Everything is embedded before anything is written, and written in one store transaction,
 * so a failure changes nothing.
 */
import type { IngestProgress } from '../engine-api.ts';
import { KEYWORD_ID, resolveAutoModel, resolveNamedModel } from '../embed/models.ts';
import { makePassages } from '../ingest/passages.ts';
import { analyze } from '../search/lexical.ts';
import { storedToArticle, type ArticleToSave } from '../store/store-api.ts';
import { VectorIndex } from '../store/index/vector-index.ts';
import { closeSemantic, modelIdOf, startEmbedder, startWordVectors, weightsFor, withIndex } from './open.ts';
import { refreshCutoffs } from './calibration.ts';
import { estimateTokens, type EngineState } from './state.ts';

export interface ReindexResult {
  from: string;
  to: string;
  articles: number;
  passages: number;
}

export async function reindex(
  state: EngineState,
  modelName: string,
  onProgress?: (p: IngestProgress) => void,
): Promise<ReindexResult> {
  const { config, store, notice } = state;
  const from = modelIdOf(state);
  const choice =
    modelName === 'auto' ? await resolveAutoModel(config, notice) : await resolveNamedModel(config, modelName, notice);
  const next = choice.kind === 'semantic' ? await startEmbedder(config, choice.spec) : null;
  try {
    const articles = await store.listCollections().then(async (collections) => {
      const all = [];
      for (const collection of collections) for await (const stored of store.articlesOf(collection)) all.push(stored);
      return all.sort((a, b) => a.rowid - b.rowid);
    });
    const countTokens = next ? next.countTokens : estimateTokens;
    const plans = articles.map((stored) => {
      const article = storedToArticle(stored);
      return {
        stored,
        article,
        passages: makePassages(article, { countTokens, maxTokens: next?.spec.maxTokens ?? 256 }),
      };
    });
    const texts = plans.flatMap((p) => p.passages.map((x) => x.text));
    onProgress?.({ done: 0, total: texts.length });
    const vectors = next
      ? await next.pool.embed(texts, { onBatch: (done) => onProgress?.({ done, total: texts.length }) })
      : null;
    let cursor = 0;
    const items: ArticleToSave[] = plans.map((plan) => ({
      collection: plan.stored.collection,
      article: plan.article,
      body: plan.stored.body,
      contentHash: plan.stored.content_hash,
      passages: plan.passages.map((p) => ({
        ...p,
        terms: analyze(p.text),
        vector: vectors ? vectors[cursor++]! : null,
      })),
    }));
    await store.saveArticles(items, {
      model: { id: choice.kind === 'semantic' ? choice.spec.id : KEYWORD_ID, dim: next?.pool.dim ?? null },
    });
    await closeSemantic(state.semantic);
    VectorIndex.remove(config.dataDir);
    state.semantic = next ? await withIndex(config, store, next, { notice }) : null;
    state.keywordReason = choice.kind === 'keyword' ? choice.reason : null;
    state.weights = weightsFor(modelIdOf(state), state.semantic?.spec);
    refreshCutoffs(state);
    startWordVectors(state);
    return { from, to: modelIdOf(state), articles: plans.length, passages: texts.length };
  } catch (error) {
    await next?.pool.close();
    throw error;
  }
}
