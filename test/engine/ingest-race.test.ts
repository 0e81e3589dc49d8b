/** Two ingests of the same articles at once (two processes' engines on one data directory) don't both report "added". */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import type { Article } from '../../src/types.ts';

describe('concurrent ingests of the same articles', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-race-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('GIVEN two engines ingesting the same new articles at once THEN each article is "added" by one of them only, and stored once', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: 'keyword', AUTO_INGEST_EXAMPLES: 'false' });
    const [a, b] = [await openEngine(config), await openEngine(config)];
    try {
      const articles: Article[] = Array.from({ length: 5 }, (_, i) => ({
        id: `story-${i}`,
        title: `Story ${i}`,
        date: null,
        source: null,
        section: null,
        url: null,
        paragraphs: [`The harbour council met for the ${i}th time on Monday and agreed to repair the old sea wall.`],
      }));
      const [first, second] = await Promise.all([a.ingest(articles, 'library'), b.ingest(articles, 'library')]);
      for (let i = 0; i < articles.length; i++) {
        const statuses = [first[i]!.status, second[i]!.status].sort();
        assert.deepEqual(statuses, ['added', 'unchanged'], `story-${i}: ${statuses.join(', ')}`);
      }
      assert.equal(await a.countArticles('library'), 5);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
