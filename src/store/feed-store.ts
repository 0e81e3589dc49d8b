/**
 * The feed store of the configuration: in PostgreSQL when DATABASE_URL is set (beside the
 * articles, shared by every process), else in the SQLite store file of DATA_DIR.
 */
import { storeFile, type EngineConfig } from '../config.ts';
import { PostgresFeedStore } from './postgres/feeds.ts';
import { SqliteFeedStore } from './sqlite/feeds.ts';
import type { FeedStore } from './store-api.ts';

export type OpenFeedStore = FeedStore & { close(): void | Promise<void> };

export function openFeedStore(config: Pick<EngineConfig, 'dataDir' | 'databaseUrl'>): OpenFeedStore {
  return config.databaseUrl ? PostgresFeedStore.open(config.databaseUrl) : SqliteFeedStore.open(storeFile(config));
}
