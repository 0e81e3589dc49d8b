/** Opening the engine for one command, and closing it however the command ends. */
import { loadConfig } from '../config.ts';
import { openEngine, type CitebotEngine } from '../engine.ts';
import { notice, progressBar } from './output.ts';

/** Runs `fn` on an engine; `storeOnly` for commands that only read articles or the question log (no model, no index). */
export async function withEngine<T>(
  fn: (engine: CitebotEngine) => Promise<T>,
  options: { storeOnly?: boolean } = {},
): Promise<T> {
  const engine = await openEngine(loadConfig(process.env), { notice, storeOnly: options.storeOnly });
  const reason = engine.model().reason;
  if (reason) notice(reason);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** An empty library gets the bundled example articles before its first question. */
export async function autoIngestExamples(engine: CitebotEngine, json: boolean | undefined): Promise<void> {
  const bar = progressBar(!json, 'Indexing examples');
  const examples = await engine.ingestExamplesIfEmpty(bar.update);
  bar.stop();
  if (examples) {
    const passages = examples.outcomes.reduce((sum, o) => sum + o.passages, 0);
    notice(
      `the library was empty, so the ${examples.outcomes.length} bundled example articles were indexed first (${passages} passages, model ${engine.model().id})`,
    );
    for (const s of examples.skipped) notice(`skipped example ${s.name}: ${s.reason}`);
  }
}
