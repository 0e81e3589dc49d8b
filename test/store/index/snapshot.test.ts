/**
 * Changes cost what they change: the index file (a snapshot of the HNSW graph) is not rewritten
 * after every change. The next open replays the changes since it from the store's change log; the
 * snapshot is rewritten once enough has changed. A crash during a save leaves no temporary file
 * for long: the next open removes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LIBRARY_COLLECTION, type Article } from '../../../src/types.ts';
import { craneReport, openTestEngine, type TestEngine } from '../../helpers/engine.ts';

function savedGeneration(dataDir: string): number {
  return (JSON.parse(readFileSync(join(dataDir, 'index.json'), 'utf8')) as { generation: number }).generation;
}

function indexWritten(t: TestEngine): Promise<void> {
  return t.engine.internals.vectors()!.flush();
}

function note(id: string, text: string): Article {
  return { id, title: id, date: '2024-05-02', source: 'Test Wire', section: null, url: null, paragraphs: [text] };
}

describe('the index snapshot', () => {
  it('GIVEN a library of 2,000 passages WHEN one short article is added THEN the index file is not rewritten, the article is found at once, and the next open replays it', async () => {
    const t = await openTestEngine();
    try {
      await t.engine.ingest(
        Array.from({ length: 50 }, (_, a) => craneReport(a)),
        LIBRARY_COLLECTION,
      );
      await indexWritten(t);
      const generation = savedGeneration(t.dataDir);
      const written = statSync(join(t.dataDir, 'index.hnsw')).mtimeMs;

      await t.engine.ingest(
        [note('gulls', 'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.')],
        LIBRARY_COLLECTION,
      );
      await indexWritten(t);
      assert.equal(savedGeneration(t.dataDir), generation, 'the snapshot was rewritten for a one-passage change');
      assert.equal(statSync(join(t.dataDir, 'index.hnsw')).mtimeMs, written);
      const found = await t.engine.internals.retrieve(
        'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.',
        { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
      );
      assert.equal(found.hits[0]?.article.id, 'gulls');
    } finally {
      await t.engine.close();
    }
    // Closing with one changed passage does not rewrite it either: replaying one passage costs less.
    assert.equal(statSync(join(t.dataDir, 'index.hnsw')).mtimeMs > 0, true);
    const notices: string[] = [];
    const again = await openTestEngine({ dataDir: t.dataDir, engineOptions: { notice: (m) => notices.push(m) } });
    try {
      assert.deepEqual(notices, ['loaded the vector index and took in 1 passage changed after it was saved']);
      assert.equal((await again.engine.stats()).indexSize, 2001);
      const found = await again.engine.internals.retrieve(
        'A lighthouse keeper counted 4,812 gulls on the breakwater at dawn.',
        { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
      );
      assert.equal(found.hits[0]?.article.id, 'gulls');
      assert.equal(again.engine.internals.vectors()!.loadedAs, 'loaded');
    } finally {
      await again.cleanup();
    }
  });

  it('GIVEN changes adding up to a fiftieth of the index THEN the snapshot is rewritten in the background, and a later open replays nothing', async () => {
    const t = await openTestEngine();
    try {
      await t.engine.ingest(
        Array.from({ length: 50 }, (_, a) => craneReport(a)),
        LIBRARY_COLLECTION,
      );
      await indexWritten(t);
      const generation = savedGeneration(t.dataDir);
      // 2,000 passages: the snapshot is due after 40 changed passages, so the 40th note rewrites it.
      for (let i = 0; i < 39; i++)
        await t.engine.ingest(
          [note(`n${i}`, `Note ${i}: the ferry to Skerra ran ${i} minutes late.`)],
          LIBRARY_COLLECTION,
        );
      await indexWritten(t);
      assert.equal(savedGeneration(t.dataDir), generation);
      await t.engine.ingest([note('n39', 'Note 39: the ferry to Skerra ran on time.')], LIBRARY_COLLECTION);
      await indexWritten(t);
      assert.equal(savedGeneration(t.dataDir), generation + 40);
    } finally {
      await t.engine.close();
    }
    const notices: string[] = [];
    const again = await openTestEngine({ dataDir: t.dataDir, engineOptions: { notice: (m) => notices.push(m) } });
    try {
      assert.deepEqual(notices, []);
      assert.equal((await again.engine.stats()).indexSize, 2040);
    } finally {
      await again.cleanup();
    }
  });

  it('GIVEN a temporary index file left by a process killed while saving THEN the next open removes it and loads the index', async () => {
    const t = await openTestEngine();
    await t.engine.ingest([craneReport(1)], LIBRARY_COLLECTION);
    await t.engine.close();
    // A pid that no longer runs: a child process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const leftover = join(t.dataDir, `index.hnsw.${dead}.1.tmp`);
    writeFileSync(leftover, readFileSync(join(t.dataDir, 'index.hnsw')));
    writeFileSync(join(t.dataDir, `index.json.${dead}.1.tmp`), '{');
    const notices: string[] = [];
    const again = await openTestEngine({ dataDir: t.dataDir, engineOptions: { notice: (m) => notices.push(m) } });
    try {
      assert.ok(!existsSync(leftover), 'the temporary file was left');
      assert.deepEqual(
        readdirSync(t.dataDir).filter((name) => name.endsWith('.tmp')),
        [],
      );
      assert.deepEqual(notices, [
        'removed 2 temporary index files left by a citebot process that stopped while saving',
      ]);
      assert.equal((await again.engine.stats()).indexSize, 40);
    } finally {
      await again.cleanup();
    }
  });
});
