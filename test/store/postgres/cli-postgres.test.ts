/**
 * The CLI with DATABASE_URL set: backup and restore say to use pg_dump / pg_restore instead of
 * failing obscurely (a real CLI process; the refusal comes before any connection).
 *   node --import tsx --test test/store/postgres/cli-postgres.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli.ts';

const env = {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'citebot-data-')),
  DATABASE_URL: 'postgres://citebot:s3cret@db.example:5432/citebot',
  LOG_LEVEL: 'silent',
};

test('GIVEN DATABASE_URL WHEN backup runs THEN it refuses, names pg_dump, and does not print the password', async () => {
  const run = await runCli(['backup', join(env.DATA_DIR, 'copy.db')], env);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /backup copies the SQLite store, but DATABASE_URL is set .*db\.example.*pg_dump --format=custom/,
  );
  assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);
});

test('GIVEN DATABASE_URL WHEN restore runs THEN it refuses and names pg_restore', async () => {
  const run = await runCli(['restore', join(env.DATA_DIR, 'copy.db')], env);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /restore copies the SQLite store, but DATABASE_URL is set .*pg_restore/);
});
