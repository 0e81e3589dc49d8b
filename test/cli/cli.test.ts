/** The CLI as users and scripts run it: a real process, real store, real model. */
import assert from 'node:assert/strict';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openEngine } from '../../src/engine.ts';
import { runCli } from '../helpers/cli.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';

describe('citebot CLI', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let files: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-cli-'));
    files = mkdtempSync(join(tmpdir(), 'citebot-files-'));
    env = testEnv(dataDir, await tinyModel(), { AUTO_INGEST_EXAMPLES: 'true' });
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('GIVEN an empty store THEN ask indexes the examples first, says so, and prints the JSON contract', async () => {
    const run = await runCli(['ask', '--json', 'how many were detained as of January 10?'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /library was empty, so the 8 bundled example articles were indexed first/);
    const result = JSON.parse(run.stdout) as Record<string, unknown> & { passages: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(result), ['question', 'answered', 'answer', 'passages', 'filter']);
    assert.equal(result.filter, null);
    assert.equal(result.question, 'how many were detained as of January 10?');
    assert.equal(result.answered, true);
    assert.equal(result.answer, '7,939');
    const top = result.passages[0]!;
    assert.deepEqual(Object.keys(top), ['rank', 'text', 'highlight', 'score', 'citation', 'also_in']);
    assert.deepEqual(top.also_in, []);
    assert.equal(top.rank, 1);
    assert.equal(typeof top.score, 'number');
    assert.deepEqual(top.citation, {
      title: "President Tokayev: Kazakhstan unrest was attempted coup d'etat",
      source: 'TRT World and agencies',
      date: '2022-01-10',
      url: null,
      article_id: '000_8e2903e39626057e',
      paragraph: (top.citation as { paragraph: number }).paragraph,
    });
    assert.match(String(top.text), /7,939 people have been detained/);
  });

  it('GIVEN a readable question THEN the text output cites title, source and date, and bolds the answer', async () => {
    const run = await runCli(['ask', 'how', 'many', 'were', 'detained', 'as', 'of', 'January', '10?'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Answer: \*\*7,939\*\*/);
    assert.match(
      run.stdout,
      /\[1\] President Tokayev: Kazakhstan unrest was attempted coup d'etat · TRT World and agencies · 2022-01-10 · paragraph \d+/,
    );
    assert.doesNotMatch(run.stderr, /library was empty/);
  });

  it('GIVEN an unsupported question THEN the CLI says it could not find it, and --json says answered false', async () => {
    const text = await runCli(['ask', 'banana bread recipe with walnuts'], env);
    assert.match(text.stdout, /I couldn't find this in the articles\./);
    const json = await runCli(['ask', '--json', 'banana bread recipe with walnuts'], env);
    assert.deepEqual(JSON.parse(json.stdout), {
      question: 'banana bread recipe with walnuts',
      answered: false,
      answer: null,
      passages: [],
      filter: null,
    });
  });

  it('GIVEN a cited paragraph THEN show prints it in bold between its neighbours, or the whole article; a paragraph out of range or an unknown article exits 2', async () => {
    const around = await runCli(['show', 'Tokayev', '--paragraph', '9'], env);
    assert.equal(around.code, 0, around.stderr);
    assert.match(
      around.stdout,
      /^President Tokayev: Kazakhstan unrest was attempted coup d'etat · TRT World and agencies · 2022-01-10\n\n\[8\]\n {4}Nearly 8,000 people/,
    );
    assert.match(
      around.stdout,
      /\[9\]\n {4}\*\*"As of January 10, 7,939 people have been detained,"[^]*detentions\.\*\*\n\n\[10\]/,
    );
    assert.match(around.stdout, /paragraphs 8–10 of 13 · 000_8e2903e39626057e$/m);
    const whole = JSON.parse((await runCli(['show', '000_8e2903e39626057e', '--json'], env)).stdout) as {
      total: number;
      focus: null;
      paragraphs: { number: number; text: string }[];
    };
    assert.equal(whole.total, 13);
    assert.deepEqual(
      whole.paragraphs.map((p) => p.number),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
    assert.equal(whole.focus, null);
    const wide = JSON.parse(
      (await runCli(['show', 'Tokayev', '--paragraph', '13', '--context', '2', '--json'], env)).stdout,
    ) as { paragraphs: { number: number }[] };
    assert.deepEqual(
      wide.paragraphs.map((p) => p.number),
      [11, 12, 13],
    );
    const outside = await runCli(['show', 'Tokayev', '--paragraph', '14'], env);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /has 13 paragraphs; give a paragraph from 1 to 13/);
    const unknown = await runCli(['show', 'no-such-article'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no article "no-such-article" in library; list them with: npm run sources/);
  });

  it('GIVEN --since, --until and --source THEN ask and sources keep to those articles and say so; a bad date exits 2 with what to write', async () => {
    const json = JSON.parse(
      (
        await runCli(
          ['ask', '--json', '--source', 'trt', '--until', '2022-01', 'how many were detained as of January 10?'],
          env,
        )
      ).stdout,
    ) as { answer: string; filter: unknown; passages: { citation: { source: string } }[] };
    assert.equal(json.answer, '7,939');
    assert.deepEqual(json.filter, { until: '2022-01-31', source: 'trt' });
    assert.ok(
      json.passages.length > 0 && json.passages.every((p) => p.citation.source === 'TRT World and agencies'),
      JSON.stringify(json.passages),
    );
    const text = await runCli(['ask', '--since', '2022-01-11', 'how many were detained?'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /TRT World/);
    assert.match(text.stdout, /4 article\(s\) dated 2022-01-11 or later/);
    const none = await runCli(['ask', '--source', 'Nobody Weekly', 'how many were detained?'], env);
    assert.match(none.stdout, /^No article is from a source matching "Nobody Weekly"\.\nWiden the dates or the source/);
    const sources = JSON.parse(
      (await runCli(['sources', '--json', '--since', '2022', '--until', '2022'], env)).stdout,
    ) as { articles: { date: string }[] };
    assert.ok(
      sources.articles.length > 0 && sources.articles.every((a) => a.date.startsWith('2022')),
      JSON.stringify(sources.articles),
    );
    const bad = await runCli(['ask', '--since', '2022-02-30', 'how many were detained?'], env);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'citebot: since "2022-02-30" is not a date; write it as 2022-01-10, 2022-01 or 2022\n');
    // Scripts get the failure as one JSON object on stdout, with the code that names it.
    const badJson = await runCli(['ask', '--json', '--since', '2022-02-30', 'how many were detained?'], env);
    assert.equal(badJson.code, 2);
    assert.deepEqual(JSON.parse(badJson.stdout), {
      error: {
        code: 'bad_filter',
        message: 'since "2022-02-30" is not a date; write it as 2022-01-10, 2022-01 or 2022',
      },
    });
  });

  it('GIVEN good, binary, oversized and missing inputs THEN ingest adds the good one and lists the rest with reasons', async () => {
    writeFileSync(
      join(files, 'ferry.md'),
      '---\ntitle: Skerra ferry adds a dawn sailing\ndate: 2024-03-02\nsource: Island Post\n---\n\nThe Skerra Island ferry will add a dawn sailing on weekdays from March, the operator said on Friday.\n',
    );
    writeFileSync(join(files, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    writeFileSync(join(files, 'huge.txt'), `Big\n\n${'word '.repeat(2000)}`);
    const run = await runCli(['ingest', '--json', '--guild', 'g1', files, join(files, 'nope.txt')], {
      ...env,
      MAX_ARTICLE_BYTES: '4096',
    });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      collection: string;
      articles: { status: string; title: string }[];
      skipped: { name: string; reason: string }[];
    };
    assert.equal(summary.collection, 'g1');
    assert.deepEqual(
      summary.articles.map((a) => [a.status, a.title]),
      [['added', 'Skerra ferry adds a dawn sailing']],
    );
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.name.split('/').pop(), s.reason]));
    assert.match(reasons['photo.png']!, /not an article file/);
    assert.match(reasons['huge.txt']!, /4096-byte limit.*MAX_ARTICLE_BYTES/);
    assert.match(reasons['nope.txt']!, /no such file/);
    const direct = await runCli(['ingest', '--json', join(files, 'photo.png')], env);
    assert.match((JSON.parse(direct.stdout) as { skipped: { reason: string }[] }).skipped[0]!.reason, /PNG/);
    assert.equal(direct.code, 2);
    const again = await runCli(['ingest', '--guild', 'g1', join(files, 'ferry.md')], env);
    assert.match(again.stdout, /unchanged\s+Skerra ferry adds a dawn sailing/);
    assert.match(again.stdout, /0 added, 0 updated, 1 unchanged, 0 skipped/);
  });

  it('GIVEN text on stdin THEN ingest - reads it as an article', async () => {
    const run = await runCli(
      ['ingest', '--json', '--guild', 'g2', '-'],
      env,
      'Lighthouse reopens\n\nThe Gannet Point lighthouse reopened to visitors after a two-year restoration costing 48,500 pounds.\n',
    );
    const summary = JSON.parse(run.stdout) as { articles: { status: string; title: string }[] };
    assert.deepEqual(
      summary.articles.map((a) => [a.status, a.title]),
      [['added', 'Lighthouse reopens']],
    );
  });

  it('GIVEN guild articles THEN sources, stats and remove work on that collection only', async () => {
    const sources = JSON.parse((await runCli(['sources', '--json', '--guild', 'g1'], env)).stdout) as {
      articles: { id: string }[];
    };
    assert.deepEqual(
      sources.articles.map((a) => a.id),
      ['ferry'],
    );
    const stats = JSON.parse((await runCli(['stats', '--json', '--guild', 'g1'], env)).stdout) as {
      articles: number;
      passages: number;
      model: string;
    };
    assert.equal(stats.articles, 1);
    assert.equal(stats.passages, 1);
    assert.match(stats.model, /citebot-tiny/);
    const removed = await runCli(['remove', '--guild', 'g1', 'ferry'], env);
    assert.match(removed.stdout, /removed Skerra ferry adds a dawn sailing/);
    const missing = await runCli(['remove', '--guild', 'g1', 'ferry'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no article "ferry" in g1/);
  });

  it('GIVEN questions asked in Discord THEN questions lists them newest first with votes, filtered by --unanswered and --downvoted', async () => {
    const engine = await openEngine(loadConfig(env));
    try {
      const log = { collection: 'g7' };
      const answered = await engine.ask('how many were detained?', { collections: ['library'], log });
      await engine.ask('who won the 1998 world cup final?', { collections: ['library'], log });
      await engine.ask('how many were detained?', { collections: ['library'], log: { collection: 'g8' } });
      await engine.recordFeedback(answered.questionId!, 'u1', 'down');
    } finally {
      await engine.close();
    }
    type Listed = {
      questions: { question: string; answered: boolean; up: number; down: number; collection: string }[];
    };
    const all = JSON.parse((await runCli(['questions', '--guild', 'g7', '--json'], env)).stdout) as Listed;
    assert.deepEqual(
      all.questions.map((q) => [q.question, q.answered, q.down]),
      [
        ['who won the 1998 world cup final?', false, 0],
        ['how many were detained?', true, 1],
      ],
    );
    const unanswered = JSON.parse(
      (await runCli(['questions', '--guild', 'g7', '--unanswered', '--json'], env)).stdout,
    ) as Listed;
    assert.deepEqual(
      unanswered.questions.map((q) => q.question),
      ['who won the 1998 world cup final?'],
    );
    const downvoted = JSON.parse((await runCli(['questions', '--downvoted', '--json'], env)).stdout) as Listed;
    assert.deepEqual(
      downvoted.questions.map((q) => [q.collection, q.question]),
      [['g7', 'how many were detained?']],
    );
    const text = await runCli(['questions', '--limit', '2'], env);
    assert.match(
      text.stdout,
      /^#\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}answered {4}👍 0 👎 0 {2}\[g8\] how many were detained\?\n/,
    );
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    // The next page starts below the last id printed.
    const lastId = Number(/^#(\d+)/.exec(lines[1]!)![1]);
    const older = await runCli(['questions', '--limit', '1', '--before', String(lastId), '--json'], env);
    const next = (JSON.parse(older.stdout) as { questions: { id: number }[] }).questions;
    assert.equal(next.length, 1);
    assert.ok(next[0]!.id < lastId);
    const bad = await runCli(['questions', '--limit', 'lots'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--limit.*expected a whole number from 1 to 10000/);
  });

  it('GIVEN the store held open by a running engine THEN backup writes a readable copy, refuses to overwrite without --force, and refuses a missing folder', async () => {
    const bot = await openEngine(loadConfig(env));
    const out = join(files, 'backup.db');
    try {
      const run = await runCli(['backup', out, '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { file: string; articles: number; passages: number; bytes: number };
      assert.equal(result.file, out);
      assert.equal(result.articles, (await bot.stats()).articles);
      assert.equal(result.passages, (await bot.stats()).passages);
      assert.ok(!readdirSync(files).some((name) => name.includes('.partial')), 'a partial file was left behind');
      const again = await runCli(['backup', out], env);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /backup\.db already exists; pass --force to replace it/);
      assert.equal((await runCli(['backup', out, '--force'], env)).code, 0);
      const missingFolder = await runCli(['backup', join(files, 'no-such-folder', 'b.db')], env);
      assert.equal(missingFolder.code, 2);
      assert.match(missingFolder.stderr, /the folder .*no-such-folder does not exist/);
    } finally {
      await bot.close();
    }
  });

  it('GIVEN a backup THEN restore refuses while the store is open or for a file that is no backup, then puts it back and keeps the replaced store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-restore-'));
    const own = { ...env, DATA_DIR: dir };
    const backup = join(files, 'before-removal.db');
    const detained = async () => {
      const asked = await runCli(['ask', 'how many were detained?', '--json'], own);
      assert.equal(asked.code, 0, asked.stderr);
      return (JSON.parse(asked.stdout) as { passages: { text: string }[] }).passages.some((p) =>
        /7,939 people have been detained/.test(p.text),
      );
    };
    try {
      assert.equal(await detained(), true);
      assert.equal((await runCli(['backup', backup], own)).code, 0);
      const removed = await runCli(['remove', '000_8e2903e39626057e'], own);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(await detained(), false);

      const bot = await openEngine(loadConfig(own));
      try {
        const refused = await runCli(['restore', backup], own);
        assert.equal(refused.code, 2);
        assert.match(
          refused.stderr,
          /is open in another process \(the bot, or another citebot command\); stop it, then run restore again\. Nothing was changed/,
        );
        assert.equal((await bot.stats()).articles, 7);
      } finally {
        await bot.close();
      }
      const notes = join(files, 'notes.txt');
      writeFileSync(notes, 'not a database at all\n'.repeat(100));
      const wrong = await runCli(['restore', notes], own);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /notes\.txt is not a usable citebot backup: .*Nothing was changed/);
      assert.equal((await runCli(['restore', join(files, 'missing.db')], own)).code, 2);

      const run = await runCli(['restore', backup, '--json'], own);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as {
        from: string;
        previous: string;
        articles: number;
        passages: number;
        model: string;
      };
      assert.equal(result.from, backup);
      assert.equal(result.articles, 8);
      assert.ok(result.model.length > 0);
      assert.ok(!existsSync(join(dir, 'index.hnsw')), 'the old index was kept');
      assert.ok(!readdirSync(dir).some((name) => name.includes('.restoring')), 'a partial file was left behind');
      // The replaced store is kept whole: it still holds the library as it was, without the removed article.
      const previous = SqliteStore.open(result.previous);
      try {
        assert.equal(await previous.countAllArticles(), 7);
      } finally {
        await previous.close();
      }
      assert.equal(await detained(), true);
      const text = await runCli(['restore', backup], own);
      assert.match(
        text.stdout,
        /^restored 8 articles \(\d+ passages, embedded with .+\) from .*before-removal\.db in [\d.]+ s\nThe store it replaced is kept at .*citebot\.db\.before-restore-/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN an empty data directory THEN restore creates the store from the backup', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'citebot-restore-new-')), 'data');
    try {
      const backup = join(files, 'fresh.db');
      assert.equal((await runCli(['backup', backup], env)).code, 0);
      const run = await runCli(['restore', backup, '--json'], { ...env, DATA_DIR: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { previous: string | null }).previous, null);
      const asked = await runCli(['ask', 'how many were detained as of January 10?', '--json'], {
        ...env,
        DATA_DIR: dir,
      });
      assert.match(
        String((JSON.parse(asked.stdout) as { passages: { text: string }[] }).passages[0]?.text),
        /7,939 people have been detained/,
      );
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('GIVEN a store damaged beyond opening THEN restore replaces it and keeps the damaged file byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citebot-restore-damaged-'));
    try {
      const backup = join(files, 'for-damaged.db');
      const made = await runCli(['backup', backup, '--json'], env);
      assert.equal(made.code, 0, made.stderr);
      const { articles } = JSON.parse(made.stdout) as { articles: number };
      const damaged = Buffer.from('SQLite format 3\0'.padEnd(8192, 'x'));
      writeFileSync(join(dir, 'citebot.db'), damaged);
      const broken = await runCli(['stats'], { ...env, DATA_DIR: dir });
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /not a readable citebot database/);
      const run = await runCli(['restore', backup, '--json'], { ...env, DATA_DIR: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readFileSync((JSON.parse(run.stdout) as { previous: string }).previous), damaged);
      const stats = await runCli(['stats', '--json'], { ...env, DATA_DIR: dir });
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal((JSON.parse(stats.stdout) as { articles: number }).articles, articles);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN the library THEN export writes NDJSON that ingest reads back unchanged, and another data directory answers from it', async () => {
    const out = join(files, 'library.ndjson');
    const run = await runCli(['export', out, '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { collection: string; articles: number; file: string; bytes: number };
    const listed = JSON.parse((await runCli(['sources', '--json'], env)).stdout) as { articles: unknown[] };
    assert.deepEqual([result.collection, result.articles, result.file], ['library', listed.articles.length, out]);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, result.articles);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ['id', 'title', 'date', 'source', 'section', 'url', 'paragraphs']);
    assert.equal(first.id, '000_8e2903e39626057e');
    assert.ok((first.paragraphs as string[]).some((p) => p.includes('7,939 people have been detained')));
    assert.equal((await runCli(['export', out], env)).code, 2, 'an existing file was replaced without --force');

    // Read back into the same library, every article is unchanged: nothing was lost or altered.
    const back = await runCli(['ingest', out, '--json'], env);
    assert.equal(back.code, 0, back.stderr);
    const outcomes = (JSON.parse(back.stdout) as { articles: { status: string }[] }).articles;
    assert.equal(outcomes.length, result.articles);
    assert.ok(
      outcomes.every((o) => o.status === 'unchanged'),
      JSON.stringify(outcomes.filter((o) => o.status !== 'unchanged')),
    );

    const piped = await runCli(['export'], env);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, readFileSync(out, 'utf8'));
    assert.match(piped.stderr, new RegExp(`exported ${result.articles} articles of library \\(`));

    const dir = mkdtempSync(join(tmpdir(), 'citebot-imported-'));
    try {
      // Four times the library, written as more than a pipe holds: a reader that stops early
      // (`export | head`) ends the export quietly, as with other command-line tools.
      const copies = [0, 1, 2, 3]
        .map((n) =>
          lines
            .map((line) => JSON.stringify({ ...JSON.parse(line), id: `copy-${n}-${JSON.parse(line).id}` }))
            .join('\n'),
        )
        .join('\n');
      writeFileSync(join(files, 'copies.ndjson'), copies);
      assert.equal(
        (await runCli(['ingest', join(files, 'copies.ndjson'), '--guild', 'g-export'], { ...env, DATA_DIR: dir })).code,
        0,
      );
      const stopped = await runCli(['export', '--guild', 'g-export'], { ...env, DATA_DIR: dir }, undefined, {
        stopReadingAfter: 100,
      });
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.doesNotMatch(stopped.stderr, /unexpected error|EPIPE/);
      const imported = await runCli(['ingest', out, '--json'], { ...env, DATA_DIR: dir });
      assert.equal(imported.code, 0, imported.stderr);
      const asked = await runCli(['ask', 'how many were detained as of January 10?', '--json'], {
        ...env,
        DATA_DIR: dir,
      });
      const top = (
        JSON.parse(asked.stdout) as { passages: { text: string; citation: { article_id: string; date: string } }[] }
      ).passages[0]!;
      assert.match(top.text, /7,939 people have been detained/);
      assert.deepEqual([top.citation.article_id, top.citation.date], ['000_8e2903e39626057e', '2022-01-10']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN commands that only read the store (sources, show, questions) THEN they load no model: they work even with the model folder gone', async () => {
    const noModel = { ...env, MODEL_DIR: join(files, 'no-such-model-folder') };
    const sources = await runCli(['sources', '--json'], noModel);
    assert.equal(sources.code, 0, sources.stderr);
    assert.ok((JSON.parse(sources.stdout) as { articles: unknown[] }).articles.length >= 8);
    const show = await runCli(['show', 'Tokayev', '--paragraph', '8', '--json'], noModel);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { focus: number }).focus, 8);
    assert.equal((await runCli(['questions', '--json'], noModel)).code, 0);
    // A search still needs the model, and says so.
    const ask = await runCli(['ask', 'how many were detained?'], noModel);
    assert.equal(ask.code, 2);
    assert.match(ask.stderr, /no-such-model-folder/);
  });

  it('GIVEN a model that does not exist THEN the CLI explains and exits 2', async () => {
    const run = await runCli(['stats'], {
      ...testEnv(mkdtempSync(join(tmpdir(), 'citebot-none-')), ''),
      MODEL_DIR: '',
      EMBEDDING_MODEL: 'no-such-model',
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the embedding model "no-such-model" is not available/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });

  it('GIVEN a bad setting THEN the CLI names the variable', async () => {
    const run = await runCli(['stats'], { ...env, EMBED_WORKERS: 'lots' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /EMBED_WORKERS/);
  });
});
