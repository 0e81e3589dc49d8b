/**
 * The bot opens with a missing or stale vector index without waiting for the rebuild (about
 * 50 s at 100,000 passages): the index is rebuilt in slices while questions are answered,
 * changes don't wait for it, and a rebuild stopped by a shutdown is never saved as if complete.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LIBRARY_COLLECTION } from '../../../src/types.ts';
import { craneReport, libraryWithoutIndex, openTestEngine, until, type TestEngine } from '../../helpers/engine.ts';

const ARTICLES = 50;
const PARAGRAPHS = 40;

async function openInBackground(dataDir: string, notices: string[]): Promise<TestEngine> {
  return openTestEngine({ dataDir, engineOptions: { backgroundIndexRebuild: true, notice: (m) => notices.push(m) } });
}

describe('rebuilding the vector index in the background', () => {
  it('GIVEN a library whose index file is missing WHEN opened in the background THEN questions are answered at once, with the progress, and the complete index is saved', async () => {
    const { dataDir } = await libraryWithoutIndex(ARTICLES);
    const notices: string[] = [];
    const t = await openInBackground(dataDir, notices);
    try {
      const total = ARTICLES * PARAGRAPHS;
      // open() returns before the first slice is inserted.
      assert.deepEqual((await t.engine.stats()).indexRebuilding, { indexed: 0, total });
      assert.equal((await t.engine.stats()).indexSize, 0);
      assert.match(
        notices.join('\n'),
        /rebuilding the vector index from 2000 stored passages \(its file is missing\) in the background/,
      );

      // Answers during the rebuild: the last article's passage is among the last inserted, so
      // it is found by its words (crane 49039), and each answer says how far the rebuild is.
      const during: number[] = [];
      while ((await t.engine.stats()).indexRebuilding) {
        const result = await t.engine.ask('which crane was repaired, number 49039?', {
          collections: [LIBRARY_COLLECTION],
        });
        if (!result.indexRebuilding) break;
        assert.equal(result.indexRebuilding.total, total);
        assert.match(result.passages[0]?.text ?? '', /crane 49039 was repaired/);
        during.push(result.indexRebuilding.indexed);
      }
      assert.ok(during.length >= 2, `only ${during.length} answers came during the rebuild`);
      assert.ok(during.at(-1)! > during[0]!, `the progress did not move: ${during.join(', ')}`);

      await until(
        () => notices.some((n) => n.startsWith('rebuilt the vector index from the store: 2000 passages')),
        'the rebuilt index is saved',
      );
      assert.deepEqual(
        notices.filter((n) => n.startsWith('rebuilding the vector index: ')),
        [
          'rebuilding the vector index: 500 of 2000 passages (25%)',
          'rebuilding the vector index: 1000 of 2000 passages (50%)',
          'rebuilding the vector index: 1500 of 2000 passages (75%)',
        ],
      );
      assert.equal((await t.engine.stats()).indexSize, total);
      assert.equal((await t.engine.stats()).indexRebuilding, null);
      const dense = await t.engine.internals.retrieve(
        'Paragraph 39 of report 49 says crane 49039 was repaired after 41 weeks.',
        { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
      );
      assert.match(dense.hits[0]?.passage.text ?? '', /crane 49039 was repaired/);
    } finally {
      await t.engine.close();
    }
    // The saved file is the complete index: the next open loads it as is.
    const notices2: string[] = [];
    const again = await openInBackground(dataDir, notices2);
    try {
      assert.equal((await again.engine.stats()).indexRebuilding, null);
      assert.equal((await again.engine.stats()).indexSize, ARTICLES * PARAGRAPHS);
      assert.equal(again.engine.internals.vectors()!.loadedAs, 'loaded');
      assert.deepEqual(
        notices2.filter((n) => /rebuil/.test(n)),
        [],
      );
    } finally {
      await again.cleanup();
    }
  });

  it('GIVEN an ingest and a removal during the rebuild THEN they complete without waiting for it, search sees them at once, and both are in the saved index', async () => {
    const { dataDir } = await libraryWithoutIndex(ARTICLES, { damage: true });
    const notices: string[] = [];
    const t = await openInBackground(dataDir, notices);
    try {
      assert.match(
        notices.join('\n'),
        /stored passages \(the file is damaged \(its checksum does not match\)\) in the background/,
      );
      const gulls = 'A lighthouse keeper counted 4,812 gulls on the breakwater.';
      // report-0 is read in the first slice; the last report is read only at the end.
      await until(
        async () => ((await t.engine.stats()).indexRebuilding?.indexed ?? 0) >= 100,
        'the rebuild is under way',
      );
      assert.equal(
        (await t.engine.ingest([{ ...craneReport(900), paragraphs: [gulls] }], LIBRARY_COLLECTION))[0]?.status,
        'added',
      );
      assert.equal((await t.engine.removeArticle(LIBRARY_COLLECTION, 'report-0'))?.id, 'report-0');
      assert.equal(
        (await t.engine.removeArticle(LIBRARY_COLLECTION, `report-${ARTICLES - 1}`))?.id,
        `report-${ARTICLES - 1}`,
      );
      const during = (await t.engine.stats()).indexRebuilding;
      console.log(`# changes done during the rebuild at ${during?.indexed} of ${during?.total}`);
      assert.ok(
        during && during.indexed < during.total,
        'the rebuild ended before the changes were done: they waited for it',
      );
      const found = await t.engine.internals.retrieve(gulls, {
        collections: [LIBRARY_COLLECTION],
        k: 1,
        mode: 'dense',
      });
      assert.match(found.hits[0]?.passage.text ?? '', /4,812 gulls/);
      const removedNow = await t.engine.internals.retrieve(
        'Paragraph 3 of report 0 says crane 3 was repaired after 5 weeks.',
        { collections: [LIBRARY_COLLECTION], k: 5 },
      );
      assert.ok(
        removedNow.hits.every((h) => h.article.id !== 'report-0'),
        'a removed article was still found during the rebuild',
      );
      await until(
        () => notices.some((n) => n.startsWith('rebuilt the vector index from the store')),
        'the rebuilt index is saved',
      );
      await t.engine.close();
      const again = await openTestEngine({ dataDir });
      try {
        const vectors = again.engine.internals.vectors()!;
        assert.equal(vectors.loadedAs, 'loaded');
        assert.equal((await again.engine.stats()).indexSize, (ARTICLES - 2) * PARAGRAPHS + 1);
        const dense = await again.engine.internals.retrieve(
          'A lighthouse keeper counted 4,812 gulls on the breakwater.',
          { collections: [LIBRARY_COLLECTION], k: 1, mode: 'dense' },
        );
        assert.match(dense.hits[0]?.passage.text ?? '', /4,812 gulls/);
        const gone = await again.engine.internals.retrieve(
          'Paragraph 3 of report 0 says crane 3 was repaired after 5 weeks.',
          { collections: [LIBRARY_COLLECTION], k: 5, mode: 'dense' },
        );
        assert.ok(
          gone.hits.every((h) => h.article.id !== 'report-0'),
          'a removed article is still in the index',
        );
        const last = ARTICLES - 1;
        const goneLast = await again.engine.internals.retrieve(
          `Paragraph 3 of report ${last} says crane ${last * 1000 + 3} was repaired after 5 weeks.`,
          { collections: [LIBRARY_COLLECTION], k: 5, mode: 'dense' },
        );
        assert.ok(
          goneLast.hits.every((h) => h.article.id !== `report-${last}`),
          'an article removed before the rebuild reached it is in the index',
        );
      } finally {
        await again.cleanup();
      }
    } finally {
      await t.engine.close();
    }
  });

  it('GIVEN a shutdown during the rebuild THEN close stops it at once, nothing partial is saved, and the next open rebuilds the whole index', async () => {
    const { dataDir } = await libraryWithoutIndex(ARTICLES);
    const t = await openInBackground(dataDir, []);
    await until(
      async () => ((await t.engine.stats()).indexRebuilding?.indexed ?? 0) >= 100,
      'the rebuild is under way',
    );
    await t.engine.close();
    assert.ok(!existsSync(join(dataDir, 'index.hnsw')), 'a partly rebuilt index was saved');
    const again = await openTestEngine({ dataDir });
    try {
      assert.equal((await again.engine.stats()).indexSize, ARTICLES * PARAGRAPHS);
      assert.equal((await again.engine.stats()).indexRebuilding, null);
    } finally {
      await again.cleanup();
    }
  });
});
