/**
 * The index's snapshot on disk: one file per partition in hnswlib's own format (index.hnsw,
 * index.1.hnsw, …; see partitions.ts) and index.json, a manifest with the store generation the
 * graph reflects and each file's checksum. Changes after that
 * generation are replayed from the store's change log at open (see vector-index.ts), so the
 * snapshot is rewritten now and then, not after every change.
 *
 * A snapshot is written to `index.hnsw.<pid>.<n>.tmp` and renamed into place, so a crash never
 * leaves a half-written index; the temporary file of a process that died while writing is
 * removed at the next open. The bot and the CLI share the files: a pair is swapped in and read
 * under a lock file, and a snapshot older than the one on disk is dropped instead of replacing it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, withFileLock } from '../file-lock.ts';

/**
 * 3: partitions, a checksum each. 2: one graph, one slot per label (read as one partition).
 * Files of version 1 may hold a label twice, so they are rebuilt.
 */
export const MANIFEST_VERSION = 3;

export interface Manifest {
  version: number;
  model: string;
  dim: number;
  generation: number;
  /** Live passages in the file. */
  count: number;
  /** Slots in the files, live or deleted. */
  slots: number;
  /** The graphs the passages are spread over (files index.hnsw, index.1.hnsw, …). */
  partitions: number;
  /** sha256 of each partition's file: hnswlib aborts the process on a damaged file, so check first. */
  sha256: string[];
}

const INDEX_FILE = 'index.hnsw';
const MANIFEST_FILE = 'index.json';
const TEMPORARY = /^index\.(?:\d+\.)?(hnsw|json)\.(\d+)\.(\d+)\.tmp$/;
const PARTITION_FILE = /^index\.(\d+)\.hnsw$/;

/** Partition i's file name: index.hnsw for the first (as one graph's file was named), index.<i>.hnsw after it. */
function partitionName(i: number): string {
  return i === 0 ? INDEX_FILE : `index.${i}.hnsw`;
}

/** Temporary files this process is writing now (two engines of one process can share a folder). */
const writingHere = new Set<string>();
let nextTemporary = 1;

/** The file's sha256, read in chunks so the event loop stays free (the file reaches gigabytes). */
export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class SnapshotFiles {
  readonly file: string;
  readonly manifestFile: string;
  private readonly dataDir: string;
  private readonly lockFile: string;
  private readonly notice: (message: string) => void;

  constructor(dataDir: string, notice: (message: string) => void) {
    this.dataDir = dataDir;
    this.file = join(dataDir, INDEX_FILE);
    this.manifestFile = join(dataDir, MANIFEST_FILE);
    this.lockFile = join(dataDir, 'index.lock');
    this.notice = notice;
  }

  /**
   * A save swaps both files in under this lock, and a load reads both under it. A holder that
   * waits too long (a stuck process) is passed by: the checksum still catches a mismatched pair.
   */
  withLock<T>(work: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockFile, work, {
      onTimeout: () =>
        this.notice(
          `went ahead without the index files' lock (${this.lockFile}), held by another citebot process for over 10 s`,
        ),
    });
  }

  /** The files of `partitions` partitions. */
  partitionFiles(partitions: number): string[] {
    return Array.from({ length: partitions }, (_, i) => join(this.dataDir, partitionName(i)));
  }

  /** The manifest, or why there is none to use ('missing' when there are no files at all). */
  readManifest(): Manifest | string {
    if (!existsSync(this.file) || !existsSync(this.manifestFile)) return 'missing';
    let manifest: Manifest | (Omit<Manifest, 'sha256'> & { sha256: string });
    try {
      manifest = JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
    } catch {
      return 'its manifest is unreadable';
    }
    // Version 2 is one graph in index.hnsw: the same as one partition.
    if (manifest.version === 2 && typeof manifest.sha256 === 'string')
      return { ...manifest, version: MANIFEST_VERSION, partitions: 1, sha256: [manifest.sha256] };
    return manifest as Manifest;
  }

  /** Null when the partitions' files are those the manifest describes, else what is wrong with them. */
  async check(manifest: Manifest): Promise<string | null> {
    const files = this.partitionFiles(manifest.partitions);
    if (
      !Array.isArray(manifest.sha256) ||
      manifest.sha256.length !== files.length ||
      !files.every((f) => existsSync(f))
    )
      return 'its files do not match its manifest';
    const digests = await Promise.all(files.map((file) => fileDigest(file)));
    return digests.every((digest, i) => digest === manifest.sha256[i])
      ? null
      : 'the file is damaged (its checksum does not match)';
  }

  /**
   * Writes the graph (through `writeGraph`, which resolves once the graph may change again) as the
   * snapshot of `manifest.generation`. Resolves 'kept-newer' when another process saved a newer one meanwhile.
   */
  async write(
    writeGraph: (files: string[]) => Promise<unknown>,
    manifest: Omit<Manifest, 'sha256'>,
  ): Promise<'written' | 'kept-newer'> {
    const n = nextTemporary++;
    const files = this.partitionFiles(manifest.partitions);
    const temporary = files.map((file) => `${file}.${process.pid}.${n}.tmp`);
    const tmpManifest = join(this.dataDir, `${MANIFEST_FILE}.${process.pid}.${n}.tmp`);
    for (const file of [...temporary, tmpManifest]) writingHere.add(file);
    try {
      await writeGraph(temporary);
      const sha256 = await Promise.all(temporary.map((file) => fileDigest(file)));
      await writeFile(tmpManifest, JSON.stringify({ ...manifest, sha256 }, null, 2));
      return await this.withLock(async () => {
        const onDisk = this.readManifest();
        if (
          typeof onDisk !== 'string' &&
          onDisk.version === manifest.version &&
          onDisk.model === manifest.model &&
          onDisk.generation > manifest.generation
        ) {
          return 'kept-newer';
        }
        for (const [i, file] of files.entries()) await rename(temporary[i]!, file);
        await rename(tmpManifest, this.manifestFile);
        // Partitions past this snapshot's (an earlier build had more) are no longer part of it.
        removePartitionsFrom(this.dataDir, manifest.partitions);
        return 'written';
      });
    } finally {
      // Gone after the renames; after a failure, removed so no index-sized file is left behind.
      await Promise.all([...temporary, tmpManifest].map((file) => rm(file, { force: true }).catch(() => {})));
      for (const file of [...temporary, tmpManifest]) writingHere.delete(file);
    }
  }

  /**
   * Removes the temporary files of writers that died (a crash or a kill during a save): each is
   * as large as the index. A file named with this process's pid that it is not writing is a
   * predecessor's (a restarted container's first process gets the same pid).
   */
  removeLeftovers(): number {
    let removed = 0;
    for (const name of readdirSync(this.dataDir)) {
      const match = TEMPORARY.exec(name);
      if (!match) continue;
      const path = join(this.dataDir, name);
      const pid = Number(match[2]);
      const abandoned = pid === process.pid ? !writingHere.has(path) : !isRunning(pid);
      if (!abandoned) continue;
      rmSync(path, { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  /** Names for files a build writes before they are read back (removed at the next open if the process dies). */
  temporaryFiles(partitions: number): string[] {
    const n = nextTemporary++;
    const files = this.partitionFiles(partitions).map((file) => `${file}.${process.pid}.${n}.tmp`);
    for (const file of files) writingHere.add(file);
    return files;
  }

  /** Removes files named by `temporaryFiles`. */
  async release(files: readonly string[]): Promise<void> {
    await Promise.all(files.map((file) => rm(file, { force: true }).catch(() => {})));
    for (const file of files) writingHere.delete(file);
  }

  static remove(dataDir: string): void {
    rmSync(join(dataDir, INDEX_FILE), { force: true });
    rmSync(join(dataDir, MANIFEST_FILE), { force: true });
    removePartitionsFrom(dataDir, 1);
  }
}

/** Removes the files of partitions `first` and after. */
function removePartitionsFrom(dataDir: string, first: number): void {
  for (const name of readdirSync(dataDir)) {
    const match = PARTITION_FILE.exec(name);
    if (match && Number(match[1]) >= first) rmSync(join(dataDir, name), { force: true });
  }
}
