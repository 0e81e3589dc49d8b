/**
 * Writers in separate processes on one PostgreSQL: both succeed, each commit under its own
 * consecutive generation, and a writer killed with SIGKILL loses nothing it acknowledged.
 *   node --import tsx --test test/store/postgres/writer-processes.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.ts';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

interface Writer {
  child: ChildProcess;
  acked: { id: string; generation: number }[];
  exited: Promise<number | null>;
}

function startWriter(url: string, name: string, count: number, onAck?: (writer: Writer) => void): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/pg-writer.ts', url, name, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const writer: Writer = {
    child,
    acked: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [, id, generation] = line.split(' ');
    writer.acked.push({ id: id!, generation: Number(generation) });
    onAck?.(writer);
  });
  return writer;
}

test('GIVEN two writer processes WHEN one is killed with SIGKILL mid-ingest THEN every acknowledged article is stored and the other finishes, generations in order', async () => {
  const url = await cluster.createDatabase();
  const store = await PostgresStore.open(url);
  try {
    const steady = startWriter(url, 'steady', 40);
    const doomed = startWriter(url, 'doomed', 1000, (writer) => {
      if (writer.acked.length === 15) writer.child.kill('SIGKILL');
    });
    assert.equal(await steady.exited, 0);
    assert.equal(await doomed.exited, null);
    assert.equal(steady.acked.length, 40);
    assert.ok(doomed.acked.length >= 15);
    for (const { id } of [...steady.acked, ...doomed.acked]) {
      const article = await store.findArticle('library', id);
      assert.ok(article, `${id} was acknowledged but is not stored`);
      assert.equal(await store.countPassagesOf(article.rowid), 3, id);
    }
    // Each commit took the next generation: no gap, no repeat, even across the kill.
    const articles = await store.countAllArticles();
    assert.equal(await store.generation(), articles);
    const generations = [...steady.acked, ...doomed.acked].map((a) => a.generation).sort((a, b) => a - b);
    assert.equal(new Set(generations).size, generations.length);
    for (const list of [steady.acked, doomed.acked])
      assert.deepEqual(
        list.map((a) => a.generation),
        [...list.map((a) => a.generation)].sort((a, b) => a - b),
      );
    // A reader catches up with all of it.
    assert.equal((await store.keywordSearch(['ferri'], { collections: ['library'] }, 1000)).length, articles);
  } finally {
    await store.close();
  }
});
