/**
 * Reading a large HTML upload (the bot's /ingest): Readability's CPU time, and how long it holds
 * the event loop when run on the main thread vs in the OffThreadParser's worker, same page, same run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OffThreadParser } from '../src/ingest/parse-off-thread.ts';
import { parseArticles } from '../src/ingest/parse.ts';

/** A news page of about `mib` MiB: paragraphs plus the link asides real pages carry. */
export function newsPage(mib: number): Uint8Array {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mib * 1024 * 1024; i++) {
    const p = `<p>The harbour bridge will close for ${i} weeks from March 3 while engineers replace its deck, the city said, and about 40,000 vehicles cross it daily.</p>\n${i % 20 === 0 ? `<aside><a href="/related/${i}">Related story ${i}</a></aside>\n` : ''}`;
    parts.push(p);
    size += p.length;
  }
  return new TextEncoder().encode(
    `<!doctype html><html><head><title>Harbour bridge</title></head><body><article><h1>Harbour bridge</h1>${parts.join('')}</article></body></html>`,
  );
}

/** Wall time of `run` and the longest the event loop was held meanwhile. */
export async function measure(run: () => Promise<unknown>): Promise<{ ms: number; maxDelayMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the monitor's timer must be running before the work starts
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  // Let the monitor observe the loop once more after a blocking run.
  await new Promise((resolve) => setTimeout(resolve, 20));
  delay.disable();
  return { ms, maxDelayMs: delay.max / 1e6 };
}

export async function runParseBench(options: {
  log: (line: string) => void;
  mib?: number;
}): Promise<Record<string, number>> {
  const mib = options.mib ?? 2;
  const input = { name: 'page.html', bytes: newsPage(mib) };
  const limits = { maxBytes: (mib + 1) * 1024 * 1024 };
  const parser = new OffThreadParser();
  try {
    await parser.parse({ name: 'warm.html', bytes: newsPage(0.01) }, limits); // worker start-up is not what we measure
    const main = await measure(async () => parseArticles(input, limits));
    const worker = await measure(() => parser.parse(input, limits));
    options.log(
      `${mib} MiB page: main thread ${main.ms.toFixed(0)} ms (loop held ${main.maxDelayMs.toFixed(0)} ms); worker ${worker.ms.toFixed(0)} ms (loop held ${worker.maxDelayMs.toFixed(0)} ms)`,
    );
    return {
      page_mib: mib,
      main_thread_parse_ms: main.ms,
      main_thread_max_loop_delay_ms: main.maxDelayMs,
      worker_parse_ms: worker.ms,
      worker_max_loop_delay_ms: worker.maxDelayMs,
      loop_delay_ratio_main_over_worker: main.maxDelayMs / Math.max(worker.maxDelayMs, 1),
    };
  } finally {
    await parser.close();
  }
}
