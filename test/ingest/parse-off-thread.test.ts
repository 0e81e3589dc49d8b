/** parseArticles on a worker thread (the bot's /ingest): same articles, same errors, the event loop stays free. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UserError } from '../../src/errors.ts';
import { OffThreadParser } from '../../src/ingest/parse-off-thread.ts';
import { parseArticles } from '../../src/ingest/parse.ts';
import { newsPage } from '../../bench/parse.ts';

const LIMITS = { maxBytes: 4 * 1024 * 1024 };

describe('OffThreadParser', () => {
  const parser = new OffThreadParser();
  after(() => parser.close());

  it('returns exactly what parseArticles returns, for every example format', async () => {
    const dir = new URL('../../examples/articles/', import.meta.url);
    for (const name of [
      '000_8e2903e39626057e.txt',
      '020_wheat-harvest.md',
      '030_city-council-budget.html',
      '040_vaccine-trial.json',
      '050_transit-strike.ndjson',
    ]) {
      const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
      assert.deepEqual(await parser.parse({ name, bytes }, LIMITS), parseArticles({ name, bytes }, LIMITS), name);
    }
  });

  it("brings the parser's errors back as the same UserError, and keeps working after one", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
    const expected = (() => {
      try {
        parseArticles({ name: 'photo.txt', bytes: png }, LIMITS);
      } catch (error) {
        return error as UserError;
      }
      throw new Error('parseArticles accepted a PNG');
    })();
    await assert.rejects(parser.parse({ name: 'photo.txt', bytes: png }, LIMITS), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.code, expected.code);
      assert.equal(error.message, expected.message);
      return true;
    });
    const ok = await parser.parse(
      { name: 'note.txt', bytes: new TextEncoder().encode('A title\n\nA paragraph with enough words in it to count.') },
      LIMITS,
    );
    assert.equal(ok[0]!.title, 'A title');
  });

  it('keeps the event loop running while a 2 MiB page is read', async () => {
    const bytes = newsPage(2);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const articles = await parser.parse({ name: 'big.html', bytes }, LIMITS);
      assert.equal(articles[0]!.title, 'Harbour bridge');
      assert.ok(articles[0]!.paragraphs.length > 10_000, String(articles[0]!.paragraphs.length));
    } finally {
      clearInterval(timer);
    }
    // On the main thread the parse would run start to finish before any timer fired.
    assert.ok(ticks >= 5, `only ${ticks} timer ticks while parsing`);
  });

  it('stops a parse that overruns its time limit with a clear message; the next parse gets a fresh worker', async () => {
    const hasty = new OffThreadParser(50);
    try {
      await assert.rejects(hasty.parse({ name: 'big.html', bytes: newsPage(2) }, LIMITS), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(error.code, 'parser_stopped');
        assert.equal(
          error.message,
          'reading big.html took longer than 50 ms, so it was stopped; try a smaller or simpler file',
        );
        return true;
      });
      const small = await hasty.parse(
        { name: 'note.md', bytes: new TextEncoder().encode('# Title\n\nOne paragraph of the article body here.') },
        LIMITS,
      );
      assert.equal(small[0]!.title, 'Title');
    } finally {
      await hasty.close();
    }
  });

  it('GIVEN a page that overruns the limit with a small paste queued behind it THEN only the page fails; the paste is read by a fresh worker', async () => {
    const hasty = new OffThreadParser(500);
    try {
      const big = hasty.parse({ name: 'big.html', bytes: newsPage(2) }, LIMITS);
      const pasted = hasty.parse(
        {
          name: 'pasted',
          bytes: new TextEncoder().encode(
            'Ferry times change\n\nThe morning ferry will leave at 7:40 from Monday, the harbour office said.',
          ),
        },
        LIMITS,
      );
      await assert.rejects(big, /reading big\.html took longer than 500 ms/);
      const [article] = await pasted;
      assert.equal(article!.title, 'Ferry times change');
    } finally {
      await hasty.close();
    }
  });

  it('GIVEN no parse for idleMs THEN the worker is stopped (its memory given back); the next parse starts a fresh one', async () => {
    const idle = new OffThreadParser(60_000, 1_000);
    const note = {
      name: 'note.md',
      bytes: new TextEncoder().encode('# Title\n\nOne paragraph of the article body here.'),
    };
    try {
      assert.equal((await idle.parse(note, LIMITS))[0]!.title, 'Title');
      assert.equal(idle.running, true);
      // A parse within idleMs keeps the same worker going.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await idle.parse(note, LIMITS);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(idle.running, true, 'stopped before idleMs had passed since the last parse');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(idle.running, false, 'still running after idleMs without a parse');
      assert.equal((await idle.parse(note, LIMITS))[0]!.title, 'Title');
    } finally {
      await idle.close();
    }
  });
});

describe('HTML bounds before Readability (the bot and the CLI alike)', () => {
  const deep = (depth: number) =>
    new TextEncoder().encode(
      `<html><head><title>Deep page</title></head><body>${'<div>'.repeat(depth)}<p>The council met on Monday and agreed the budget for the harbour repairs next year.</p>${'</div>'.repeat(depth)}</body></html>`,
    );

  it('GIVEN HTML nested 2,000 levels deep THEN it is refused at once with a clear message, not read for minutes', () => {
    const started = performance.now();
    assert.throws(
      () => parseArticles({ name: 'deep.html', bytes: deep(2000) }, LIMITS),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'parse_failed' &&
        /nests its HTML more than 128 levels deep/.test(error.message),
    );
    assert.ok(performance.now() - started < 5_000);
  });

  it('GIVEN HTML nested 40 levels deep (a heavy real page) THEN it is read', () => {
    const [article] = parseArticles({ name: 'nested.html', bytes: deep(40) }, LIMITS);
    assert.match(article!.paragraphs[0]!, /harbour repairs/);
  });
});
