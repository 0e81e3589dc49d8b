/**
 * A lock between the processes that share a data directory (the bot and the CLI): a file
 * created exclusively, holding the holder's pid. A lock whose holder is gone (its pid no longer
 * runs, or the file is older than `staleMs`) is taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** How long to wait for another holder before going ahead without the lock. */
  waitMs?: number;
  /** A lock file older than this is left over from a holder that died. */
  staleMs?: number;
  /** Told when the wait ran out and the work went ahead unlocked. */
  onTimeout?: () => void;
}

/** How long an empty lock file may be a holder still writing its pid. */
export const EMPTY_LOCK_GRACE_MS = 1_000;

/** The lock files this process holds now (two engines of one process can share a data directory). */
const heldHere = new Set<string>();

/** Runs `work` while holding `file`. */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      // A folder where no lock can be made (read-only): the work itself says what fails, if anything.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return work();
      if (await isAbandoned(file, options.staleMs ?? 60_000)) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        options.onTimeout?.();
        return work();
      }
      await sleep(20);
    }
  }
  heldHere.add(file);
  try {
    return await work();
  } finally {
    heldHere.delete(file);
    await rm(file, { force: true });
  }
}

async function isAbandoned(file: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(file), readFile(file, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number(text);
    // After a restart a process often gets its predecessor's pid (a container's first process):
    // a lock naming this process that it does not hold is a predecessor's.
    if (pid === process.pid) return !heldHere.has(file);
    // An empty file is a holder between creating and writing it (microseconds), or one killed in
    // between: after a grace it is the latter, else every open would wait out `staleMs`.
    if (text.trim() === '') return Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS;
    return Number.isSafeInteger(pid) && pid > 0 && !isRunning(pid);
  } catch {
    return false; // released meanwhile: try again
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
