/**
 * Feeds and PDFs, as the bot meets them:
 *  - 50 feeds × 20 items from a local server, polled as the bot's scheduler polls them (pages read
 *    on the parse worker, keyword engine so embedding does not dominate): the first, full poll; a
 *    poll where nothing changed (every feed answers 304); the worst event-loop delay of each;
 *  - a 100-page PDF: parse time on the calling thread, and the event-loop delay when the parse
 *    worker reads it (what the bot does).
 * Per-host spacing is off (every feed is on 127.0.0.1); robots.txt is read once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openEngine } from '../src/engine.ts';
import { Feeds } from '../src/ingest/feeds/feeds.ts';
import { OffThreadParser } from '../src/ingest/parse-off-thread.ts';
import { parseInput } from '../src/ingest/parse.ts';
import { column, makePdf, type PdfPageSpec } from '../test/helpers/documents.ts';
import { fullText, rss, startFeedServer } from '../test/helpers/feed-server.ts';
import { measure } from './parse.ts';

async function hundredPagePdf(): Promise<Uint8Array> {
  const pages: PdfPageSpec[] = Array.from({ length: 100 }, (_, p) => {
    const left = Array.from({ length: 44 }, (_, i) =>
      i % 9 === 8 ? '' : `Page ${p + 1} line ${i}: the harbour board reported ${i * 7} vessels and a`,
    );
    const right = Array.from({ length: 44 }, (_, i) =>
      i % 9 === 8 ? '' : `recov- ery of freight traffic in week ${i} of the year ${2000 + p}`,
    );
    return { lines: [...column(40, 740, left, 8), ...column(320, 740, right, 8)] };
  });
  return makePdf({
    title: 'Annual report',
    runningHeader: 'Harbour Authority Annual Report',
    pageNumbers: true,
    pages,
  });
}

export async function runFeedsBench(options: {
  log: (line: string) => void;
  feeds?: number;
  items?: number;
}): Promise<Record<string, number>> {
  const feedCount = options.feeds ?? 50;
  const itemCount = options.items ?? 20;
  const server = await startFeedServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-bench-feeds-'));
  const parser = new OffThreadParser();
  const result: Record<string, number> = {};
  try {
    server.routes.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    for (let f = 0; f < feedCount; f++) {
      const items = Array.from({ length: itemCount }, (_, i) => ({
        title: `Feed ${f} story ${i}`,
        link: `${server.base}/f${f}/s${i}`,
        guid: `f${f}-s${i}`,
        pubDate: new Date(Date.UTC(2024, 0, 1) + (f * itemCount + i) * 60_000).toUTCString(),
        content: fullText(
          `story ${f}-${i}`,
          `Story ${i} of feed ${f}: the council approved ${f * 100 + i} new homes on Tuesday.`,
        ),
      }));
      server.routes.set(`/feed-${f}.xml`, { body: rss(`Feed ${f}`, items) });
    }
    const config = loadConfig({
      DATA_DIR: dataDir,
      EMBEDDING_MODEL: 'keyword',
      AUTO_INGEST_EXAMPLES: 'false',
      ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      FEED_MAX_NEW_ITEMS: String(itemCount),
      LOG_LEVEL: 'silent',
    });
    const engine = await openEngine(config);
    const feeds = Feeds.open(engine, config, {
      parse: (input) => parser.parse(input, { maxBytes: config.maxArticleBytes }),
      hostSpacingMs: 0,
    });
    try {
      for (let f = 0; f < feedCount; f++) await feeds.add(`${server.base}/feed-${f}.xml`, { collection: 'library' });
      const all = await feeds.store.listFeeds();
      options.log(`first poll of ${feedCount} feeds × ${itemCount} items`);
      let first: Awaited<ReturnType<typeof feeds.pollNow>> = [];
      const full = await measure(async () => (first = await feeds.pollNow(all)));
      const indexed = first.reduce((n, r) => n + r.new, 0);
      options.log('unchanged poll');
      let again: Awaited<ReturnType<typeof feeds.pollNow>> = [];
      const unchanged = await measure(async () => (again = await feeds.pollNow(await feeds.store.listFeeds())));
      Object.assign(result, {
        feeds: feedCount,
        items_indexed_first_poll: indexed,
        first_poll_ms: full.ms,
        first_poll_max_event_loop_delay_ms: full.maxDelayMs,
        unchanged_poll_ms: unchanged.ms,
        unchanged_poll_not_modified: again.filter((r) => r.status === 'not-modified').length,
        unchanged_poll_max_event_loop_delay_ms: unchanged.maxDelayMs,
      });
    } finally {
      await feeds.close();
      await engine.close();
    }

    options.log('100-page PDF');
    const pdf = await hundredPagePdf();
    await parseInput({
      name: 'warm-up.pdf',
      bytes: await makePdf({ pages: [{ lines: column(72, 700, ['Warm-up page.']) }] }),
    });
    const direct = await measure(() => parseInput({ name: 'report.pdf', bytes: pdf }, { maxBytes: 50 * 1024 * 1024 }));
    // A parse worker of its own with a generous limit: the bot's 60 s is for one upload on a quiet machine.
    const pdfParser = new OffThreadParser(600_000);
    let offThread: { ms: number; maxDelayMs: number };
    try {
      await pdfParser.parse(
        { name: 'warm-up.pdf', bytes: await makePdf({ pages: [{ lines: column(72, 700, ['Warm-up page.']) }] }) },
        { maxBytes: 1024 * 1024 },
      );
      offThread = await measure(() =>
        pdfParser.parse({ name: 'report.pdf', bytes: pdf }, { maxBytes: 50 * 1024 * 1024 }),
      );
    } finally {
      await pdfParser.close();
    }
    Object.assign(result, {
      pdf_pages: 100,
      pdf_mib: pdf.length / 1024 / 1024,
      pdf_parse_main_thread_ms: direct.ms,
      pdf_parse_main_thread_max_event_loop_delay_ms: direct.maxDelayMs,
      pdf_parse_worker_ms: offThread.ms,
      pdf_parse_worker_max_event_loop_delay_ms: offThread.maxDelayMs,
    });
    return result;
  } finally {
    await parser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
