/** The data directory's lock file: a lock left by a killed process doesn't make every open wait. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EMPTY_LOCK_GRACE_MS, withFileLock } from '../../src/store/file-lock.ts';

describe('withFileLock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citebot-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function timedLock(file: string): Promise<{ ms: number; timedOut: boolean }> {
    let timedOut = false;
    const started = Date.now();
    await withFileLock(file, async () => assert.ok(existsSync(file) || timedOut), {
      waitMs: 10_000,
      staleMs: 60_000,
      onTimeout: () => (timedOut = true),
    });
    return { ms: Date.now() - started, timedOut };
  }

  it('GIVEN an empty lock file left by a kill (older than the grace) THEN it is taken over at once', async () => {
    const file = join(dir, 'empty-old.lock');
    writeFileSync(file, '');
    const past = (Date.now() - 5_000) / 1000;
    utimesSync(file, past, past);
    const { ms, timedOut } = await timedLock(file);
    assert.equal(timedOut, false);
    assert.ok(ms < 1_000, `waited ${ms} ms`);
    assert.equal(existsSync(file), false, 'released after the work');
  });

  it('GIVEN an empty lock file just created (a holder writing its pid) THEN it is respected for the grace only', async () => {
    const file = join(dir, 'empty-new.lock');
    writeFileSync(file, '');
    const { ms, timedOut } = await timedLock(file);
    assert.equal(timedOut, false);
    assert.ok(ms >= EMPTY_LOCK_GRACE_MS - 100 && ms < 5_000, `waited ${ms} ms`);
  });

  it('GIVEN a lock of a process that is gone THEN it is taken over; of a running one THEN it is waited for', async () => {
    const file = join(dir, 'dead.lock');
    writeFileSync(file, '2147483646'); // no such pid
    assert.equal((await timedLock(file)).timedOut, false);
    writeFileSync(file, String(process.ppid)); // runs, and doesn't hold it here
    let timedOut = false;
    await withFileLock(file, async () => undefined, { waitMs: 300, onTimeout: () => (timedOut = true) });
    assert.equal(timedOut, true);
    rmSync(file, { force: true });
  });
});
