/** The CLI's exit codes and the order of its work: usage errors exit 2; ingest looks at its inputs before loading a model. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newsPage } from '../../bench/parse.ts';
import { runCli } from '../helpers/cli.ts';

describe('CLI usage and input checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citebot-usage-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A model folder that doesn't exist: any command that loads the model fails with model_missing.
  const env = {
    DATA_DIR: join(dir, 'data'),
    MODEL_DIR: join(dir, 'no-model-here'),
    CITEBOT_OFFLINE: 'true',
    AUTO_INGEST_EXAMPLES: 'false',
  };

  it('GIVEN an unknown command, a missing argument or a bad option value THEN the exit code is 2 (usage), and --help is 0', async () => {
    for (const args of [['bogus'], ['ask'], ['questions', '--limit', 'lots'], []]) {
      const run = await runCli(args, env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    }
    assert.equal((await runCli(['--help'], env)).code, 0);
  });

  it('GIVEN only an empty and a binary file THEN ingest rejects them without loading the model', async () => {
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'image.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    const run = await runCli(['ingest', join(dir, 'empty.txt'), join(dir, 'image.txt'), '--json'], env);
    assert.equal(run.code, 2, run.stderr);
    assert.doesNotMatch(run.stderr, /model/i);
    const out = JSON.parse(run.stdout) as { articles: unknown[]; skipped: { name: string; reason: string }[] };
    assert.deepEqual(out.articles, []);
    assert.deepEqual(
      out.skipped.map((s) => s.name),
      [join(dir, 'empty.txt'), join(dir, 'image.txt')],
    );
    assert.match(out.skipped[0]!.reason, /is empty/);
    assert.match(out.skipped[1]!.reason, /PNG image/);
  });

  it('GIVEN a page whose reading overruns PARSE_TIMEOUT_MS THEN ingest skips it with the reason, as the bot refuses it', async () => {
    writeFileSync(join(dir, 'big.html'), newsPage(2));
    writeFileSync(join(dir, 'empty.md'), '');
    const run = await runCli(['ingest', join(dir, 'big.html'), join(dir, 'empty.md'), '--json'], {
      ...env,
      PARSE_TIMEOUT_MS: '50',
    });
    assert.equal(run.code, 2, run.stderr);
    const out = JSON.parse(run.stdout) as { articles: unknown[]; skipped: { name: string; reason: string }[] };
    assert.deepEqual(out.articles, []);
    assert.deepEqual(out.skipped, [
      {
        name: join(dir, 'big.html'),
        reason: `reading ${join(dir, 'big.html')} took longer than 50 ms, so it was stopped; try a smaller or simpler file`,
      },
      { name: join(dir, 'empty.md'), reason: out.skipped[1]!.reason },
    ]);
    // The input after the stopped one is still read (by a fresh worker).
    assert.match(out.skipped[1]!.reason, /is empty/);
  });
});
