/**
 * Throwaway PostgreSQL clusters for tests and benches: a real server (no mocks of `pg`),
 * initdb'd into a temporary folder and listening only on a unix socket in that folder, so
 * clusters of parallel test files never share a port or a database. Starts in about 1.6 s.
 *
 * PostgreSQL refuses to run as root: when the tests run as root the server runs as the
 * `postgres` user (runuser), and the folder is handed to that user.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** Connection string of the cluster's default database (`postgres`). */
  url: string;
  /** The cluster's folder: data in `data/`, the socket beside it, the server log in `server.log`. */
  dir: string;
  /** A connection string for a fresh, empty database in this cluster. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server, keeping its data (to test a database that goes away). */
  stopServer(mode?: 'fast' | 'immediate'): void;
  /** Starts the server again on the same data and socket. */
  startServer(): void;
  /** Stops the server and removes the folder. */
  destroy(): void;
}

export interface PostgresClusterOptions {
  /**
   * Keep PostgreSQL's crash safety (fsync, synchronous commit). Off by default: tests kill
   * clients, not the server, and an unsynced cluster starts and writes much faster.
   */
  durable?: boolean;
}

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((major) => existsSync(join(root, major, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors[0];
  if (major === undefined) {
    throw new Error(
      `no PostgreSQL server found in ${root}/*/bin: install it (apt-get install postgresql), as .ci/run does`,
    );
  }
  return join(root, major, 'bin');
}

const runningClusters = new Set<string>();
let exitHookInstalled = false;

/** A test process that dies without cleaning up must not leave servers running. */
function stopAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const stopAll = () => {
    for (const dir of runningClusters) {
      runAsServerUser([join(postgresBinDir(), 'pg_ctl'), 'stop', '-D', join(dir, 'data'), '-m', 'immediate', '-w']);
      rmSync(dir, { recursive: true, force: true });
    }
    runningClusters.clear();
  };
  process.on('exit', stopAll);
  // A signal ends the process without 'exit' handlers: stop the servers, then die of it as before.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopAll();
      process.kill(process.pid, signal);
    });
  }
}

function runAsServerUser(command: string[]): SpawnSyncReturns<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  return spawnSync(file!, args, { encoding: 'utf8' });
}

function check(result: SpawnSyncReturns<string>, what: string, logFile?: string): void {
  if (result.status === 0) return;
  const log = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
  throw new Error(
    `${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}${result.stdout}${log}`,
  );
}

export async function startPostgres(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'citebot-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    chownSync(
      dir,
      Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
      Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
    );
  const superuser = asRoot ? 'postgres' : userInfo().username;
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  check(
    runAsServerUser([
      join(bin, 'initdb'),
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      superuser,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]),
    'initdb',
  );
  const settings = [`-c listen_addresses=''`, `-c unix_socket_directories='${dir}'`, '-c max_connections=200'];
  if (!options.durable) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');

  const startServer = () => {
    check(
      runAsServerUser([
        join(bin, 'pg_ctl'),
        'start',
        '-w',
        '-t',
        '60',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-o',
        settings.join(' '),
      ]),
      'pg_ctl start',
      logFile,
    );
    runningClusters.add(dir);
  };
  const stopServer = (mode: 'fast' | 'immediate' = 'fast') => {
    check(runAsServerUser([join(bin, 'pg_ctl'), 'stop', '-w', '-D', dataDir, '-m', mode]), 'pg_ctl stop', logFile);
    runningClusters.delete(dir);
  };
  stopAllOnExit();
  startServer();

  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(superuser)}@localhost/${database}?host=${encodeURIComponent(dir)}`;
  let databases = 0;
  return {
    url: urlFor('postgres'),
    dir,
    async createDatabase(name = `citebot_test_${++databases}`) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        // A database name cannot be a query parameter; these names are the test's own.
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stopServer,
    startServer,
    destroy() {
      if (runningClusters.has(dir)) stopServer('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
