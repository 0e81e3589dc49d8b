/** The terminal boundary: control and bidi characters from articles and questions never reach the operator's terminal raw. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { escapeForTerminal, terminalSafeJson, toTerminal } from '../../src/format/terminal.ts';
import { runCli } from '../helpers/cli.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';

const TITLE_ATTACK = 'Budget vote \u001b]0;owned\u0007 passes \u001b[2J';
const BIDI_ATTACK = 'council \u202eetov\u202c budget \u2066x\u2069';
// Anything that moves the cursor, sets the title, clears the screen or reorders text.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('escapeForTerminal', () => {
  it('GIVEN escape sequences, BEL, C1 and bidi controls THEN they become visible inert forms; tab and newline stay', () => {
    assert.equal(escapeForTerminal(TITLE_ATTACK), 'Budget vote ^[]0;owned^G passes ^[[2J');
    assert.equal(escapeForTerminal(BIDI_ATTACK), 'council <U+202E>etov<U+202C> budget <U+2066>x<U+2069>');
    assert.equal(escapeForTerminal('a\u009b31mb\u007f'), 'a<U+009B>31mb<U+007F>');
    assert.equal(escapeForTerminal('line one\n\tline two — café 😀 עברית'), 'line one\n\tline two — café 😀 עברית');
  });
  it('GIVEN data with controls THEN the JSON output has no raw control left and reads back to the same data', () => {
    const data = { title: TITLE_ATTACK, text: BIDI_ATTACK, c1: '\u009b2J' };
    const json = terminalSafeJson(data);
    assert.doesNotMatch(json, RAW);
    assert.deepEqual(JSON.parse(json), data);
  });
  it('GIVEN styled text THEN only the style placeholders become escape codes, after the data was escaped', () => {
    assert.equal(toTerminal('\ue010bold\ue012 \u001b[31m', true), '\u001b[1mbold\u001b[22m ^[[31m');
    assert.equal(toTerminal('\ue010bold\ue012', false), 'bold');
  });
});

describe('CLI output of hostile titles, passages and questions', () => {
  let dataDir: string;
  let files: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-term-'));
    files = mkdtempSync(join(tmpdir(), 'citebot-term-files-'));
    env = testEnv(dataDir, await tinyModel(), { AUTO_INGEST_EXAMPLES: 'false', EMBEDDING_MODEL: 'keyword' });
    const article = {
      id: 'hostile-1',
      title: TITLE_ATTACK,
      source: 'Wire \u001b[2J',
      date: '2026-12-01',
      paragraphs: [
        `The ${BIDI_ATTACK} was approved by the city council on Monday after a long debate about the harbour.`,
        'Officials said the harbour budget of 12 million would pay for new cranes and a longer quay.',
      ],
    };
    writeFileSync(join(files, 'hostile.json'), JSON.stringify(article));
    const ingest = await runCli(['ingest', join(files, 'hostile.json')], env);
    assert.equal(ingest.code, 0, ingest.stderr);
    assert.doesNotMatch(ingest.stdout, RAW);
    const engine = await openEngine(loadConfig(env));
    try {
      // Answered (for `questions`) and not (for the unanswered list of `stats`).
      await engine.ask('what did the \u001b]0;owned\u0007 harbour budget \u202epay for?', {
        collections: ['library'],
        log: { collection: 'library' },
      });
      await engine.ask('zebra \u001b]0;owned\u0007 quantum \u202eflux?', {
        collections: ['library'],
        log: { collection: 'library' },
      });
    } finally {
      await engine.close();
    }
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  for (const args of [['ask', 'harbour budget cranes'], ['sources'], ['questions'], ['stats'], ['show', 'hostile-1']]) {
    it(`GIVEN a hostile article and question THEN "${args[0]}" prints them escaped, as text and as --json`, async () => {
      const text = await runCli(args, env);
      assert.equal(text.code, 0, text.stderr);
      assert.doesNotMatch(text.stdout, RAW);
      if (args[0] !== 'questions' && args[0] !== 'stats')
        assert.match(text.stdout, /Budget vote \^\[\]0;owned\^G passes \^\[\[2J/);
      else assert.match(text.stdout, /zebra \^\[\]0;owned\^G quantum <U\+202E>flux\?/);
      const json = await runCli([...args, '--json'], env);
      assert.equal(json.code, 0, json.stderr);
      assert.doesNotMatch(json.stdout, RAW);
      JSON.parse(json.stdout);
    });
  }
  it('GIVEN a file name with escape codes THEN the skip reason shows it escaped', async () => {
    const run = await runCli(['ingest', join(files, 'missing-\u001b[2J.txt')], env);
    assert.doesNotMatch(run.stdout + run.stderr, RAW);
    assert.match(run.stdout, /skipped +.*missing-\^\[\[2J\.txt: no file matches this pattern/);
  });
});
