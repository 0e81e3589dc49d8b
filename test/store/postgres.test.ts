/**
 * The store and feed store contract suites on the PostgreSQL backend, on a throwaway PostgreSQL cluster: one
 * fresh database per test. What is PostgreSQL's own is in test/store/postgres/.
 *   node --import tsx --test test/store/postgres.test.ts
 */
import { after, before } from 'node:test';
import { PostgresFeedStore } from '../../src/store/postgres/feeds.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';
import { feedStoreContract } from './feed-contract.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

storeContract('postgres', async () => {
  const url = await cluster.createDatabase();
  const store = await PostgresStore.open(url);
  const others: PostgresStore[] = [];
  return {
    store,
    another: async () => {
      const other = await PostgresStore.open(url);
      others.push(other);
      return other;
    },
    cleanup: async () => {
      await Promise.all([store, ...others].map((s) => s.close()));
    },
  };
});

// The feed store opens on its own (beside the article store) and brings the schema up itself.
feedStoreContract('postgres', async () => {
  const url = await cluster.createDatabase();
  const store = PostgresFeedStore.open(url);
  return {
    store,
    another: async () => PostgresFeedStore.open(url),
    cleanup: () => store.close(),
  };
});
