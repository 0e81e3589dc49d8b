/**
 * The other process of bench/postgres.ts. Two jobs:
 *   cache <url> <collections>   load the keyword partition of these collections (comma separated)
 *                               and print {"ms", "heapMB", "rssMB", "passages"} as JSON
 *   watch <url>                 print "ready", then for each line "<token>" read on stdin wait
 *                               until a keyword search over the library finds it and print
 *                               "seen <token> <wall-clock ms>"
 */
import { createInterface } from 'node:readline';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';

const [job, url, collections] = process.argv.slice(2) as [string, string, string | undefined];
const wallClock = () => performance.timeOrigin + performance.now();

if (job === 'cache') {
  const store = await PostgresStore.open(url);
  global.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  const scope = { collections: collections!.split(',') };
  await store.keywordSearch(['warm'], scope, 1);
  const ms = performance.now() - started;
  global.gc?.();
  const after = process.memoryUsage();
  const passages = (await store.passageIds(scope)).size;
  console.log(
    JSON.stringify({
      ms,
      heapMB: (after.heapUsed - before.heapUsed) / 2 ** 20,
      rssMB: (after.rss - before.rss) / 2 ** 20,
      passages,
    }),
  );
  await store.close();
} else if (job === 'watch') {
  const store = await PostgresStore.open(url);
  const scope = { collections: ['library'] };
  await store.keywordSearch(['warm'], scope, 1);
  const waiting = new Set<string>();
  // A commit's NOTIFY brings the partition up to date; then the marker is searched for.
  const look = async () => {
    for (const token of waiting) {
      if ((await store.keywordSearch([token], scope, 1)).length > 0) {
        waiting.delete(token);
        process.stdout.write(`seen ${token} ${wallClock()}\n`);
      }
    }
  };
  store.onChange(() => void look());
  createInterface({ input: process.stdin }).on('line', (token) => {
    if (token === 'quit') {
      void store.close().then(() => process.exit(0));
      return;
    }
    waiting.add(token);
    void look();
  });
  process.stdout.write('ready\n');
}
