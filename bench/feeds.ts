/**
 * Feeds and PDFs, as the bot meets them:
 *  - 50 feeds × 20 items from a local server, polled as the bot's scheduler polls them (pages and
 *    feed XML read on the parse worker, keyword engine so embedding does not dominate): the first,
 *    full poll; a poll where nothing changed (every feed answers 304); the worst event-loop delay
 *    of each; and the same with the feed XML parsed on the main thread, for comparison;
 *  - a 100-page PDF: parse time on the calling thread, and the event-loop delay when the parse
 *    worker reads it (what the bot does).
 * Per-host spacing is off (every feed is on 127.0.0.1); robots.txt is read once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { openEngine } from '../src/engine.ts';
import { Feeds } from '../src/ingest/feeds/feeds.ts';
import { OffThreadParser } from '../src/ingest/parse-off-thread.ts';
import { parseInput } from '../src/ingest/parse.ts';
import { column, makePdf, type PdfPageSpec } from '../test/helpers/documents.ts';
import { fullText, rss, startFeedServer } from '../test/helpers/feed-server.ts';

/** What a run cost the event loop: wall time, the worst and the 99th-percentile delay, and the time the loop was busy. */
interface LoopCost {
  ms: number;
  maxDelayMs: number;
  p99DelayMs: number;
  /**
   * Event-loop busy time (performance.eventLoopUtilization): the main thread's own work. Unlike the
   * delays, which grow with every other process on a shared machine, this moves only with the code.
   */
  busyMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<LoopCost> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the monitor's timer must be running first
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const busy = performance.eventLoopUtilization(elu);
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the monitor see the loop once more
  delay.disable();
  return { ms, maxDelayMs: delay.max / 1e6, p99DelayMs: delay.percentile(99) / 1e6, busyMs: busy.active };
}

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

interface PollRound {
  first: LoopCost;
  unchanged: LoopCost;
  indexed: number;
  notModified: number;
}

/**
 * A first poll and an unchanged poll of every feed, in a data directory of their own. Pages are
 * read on the parse worker; the feed XML on the worker too (what the bot does), or on this
 * thread (`feedXmlOnWorker: false`, how the bot did it before 2026-12-03), to compare within a run.
 */
async function pollRound(
  base: string,
  feedCount: number,
  itemCount: number,
  feedXmlOnWorker: boolean,
  log: (line: string) => void,
): Promise<PollRound> {
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-bench-feeds-'));
  const parser = new OffThreadParser();
  try {
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
      ...(feedXmlOnWorker
        ? {
            parseFeed: (body: Uint8Array, charset: string | null, shown: string) =>
              parser.parseFeed(body, charset, shown),
          }
        : {}),
      hostSpacingMs: 0,
    });
    try {
      for (let f = 0; f < feedCount; f++) await feeds.add(`${base}/feed-${f}.xml`, { collection: 'library' });
      const where = feedXmlOnWorker ? 'feed XML on the parse worker' : 'feed XML on the main thread';
      log(`first poll of ${feedCount} feeds × ${itemCount} items, ${where}`);
      let first: Awaited<ReturnType<typeof feeds.pollNow>> = [];
      const full = await measure(async () => (first = await feeds.pollNow(await feeds.store.listFeeds())));
      log(`unchanged poll, ${where}`);
      let again: Awaited<ReturnType<typeof feeds.pollNow>> = [];
      const unchanged = await measure(async () => (again = await feeds.pollNow(await feeds.store.listFeeds())));
      return {
        first: full,
        unchanged,
        indexed: first.reduce((n, r) => n + r.new, 0),
        notModified: again.filter((r) => r.status === 'not-modified').length,
      };
    } finally {
      await feeds.close();
      await engine.close();
    }
  } finally {
    await parser.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runFeedsBench(options: {
  log: (line: string) => void;
  feeds?: number;
  items?: number;
}): Promise<Record<string, number>> {
  const feedCount = options.feeds ?? 50;
  const itemCount = options.items ?? 20;
  const server = await startFeedServer();
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
    const before = await pollRound(server.base, feedCount, itemCount, false, options.log);
    const now = await pollRound(server.base, feedCount, itemCount, true, options.log);
    Object.assign(result, {
      feeds: feedCount,
      items_indexed_first_poll: now.indexed,
      first_poll_ms: now.first.ms,
      first_poll_max_event_loop_delay_ms: now.first.maxDelayMs,
      first_poll_p99_event_loop_delay_ms: now.first.p99DelayMs,
      first_poll_event_loop_busy_ms: now.first.busyMs,
      unchanged_poll_ms: now.unchanged.ms,
      unchanged_poll_not_modified: now.notModified,
      unchanged_poll_max_event_loop_delay_ms: now.unchanged.maxDelayMs,
      unchanged_poll_event_loop_busy_ms: now.unchanged.busyMs,
      feed_xml_main_thread_first_poll_ms: before.first.ms,
      feed_xml_main_thread_first_poll_max_event_loop_delay_ms: before.first.maxDelayMs,
      feed_xml_main_thread_first_poll_p99_event_loop_delay_ms: before.first.p99DelayMs,
      feed_xml_main_thread_first_poll_event_loop_busy_ms: before.first.busyMs,
      feed_xml_main_thread_unchanged_poll_max_event_loop_delay_ms: before.unchanged.maxDelayMs,
    });

    options.log('100-page PDF');
    const pdf = await hundredPagePdf();
    await parseInput({
      name: 'warm-up.pdf',
      bytes: await makePdf({ pages: [{ lines: column(72, 700, ['Warm-up page.']) }] }),
    });
    const direct = await measure(() => parseInput({ name: 'report.pdf', bytes: pdf }, { maxBytes: 50 * 1024 * 1024 }));
    // A parse worker of its own with a generous limit: the bot's 60 s is for one upload on a quiet machine.
    const pdfParser = new OffThreadParser(600_000);
    let offThread: LoopCost;
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
      pdf_parse_worker_p99_event_loop_delay_ms: offThread.p99DelayMs,
      pdf_parse_worker_event_loop_busy_ms: offThread.busyMs,
    });
    return result;
  } finally {
    await server.close();
  }
}
