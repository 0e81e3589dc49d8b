/**
 * The connection side of the PostgreSQL store: one Pool per process, transactions on one
 * checked-out client, and errors that name the server and say what to check.
 */
import pg from 'pg';
import type { CitebotError } from '../../errors.ts';
import { UserError } from '../../errors.ts';

/** int8 (counts, sums, generations) as JS numbers: every value here is far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The URL with its password removed: safe for logs and `stats`. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString().replace(/:@/, '@');
  } catch {
    return 'postgres://(unparsable DATABASE_URL)';
  }
}

/** Where the URL points, for error messages: host (or socket folder), port and database. */
export function serverName(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost');
    const port = parsed.port || '5432';
    return `${host}:${port}, database ${decodeURIComponent(parsed.pathname.slice(1)) || '(default)'}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

export function createPool(url: string, options: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that would end the process.
  pool.on('error', () => undefined);
  // A checked-out client's connection error is also emitted on the client; its queries reject
  // with it, which is where it is handled, so the event itself must not end the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createClient(url: string): pg.Client {
  return new pg.Client({ connectionString: url, types, connectionTimeoutMillis: 10_000 });
}

/** Is this error the server being unreachable or gone, rather than a bad query? */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'store_unavailable') return true;
  const message = error instanceof Error ? error.message : '';
  return (
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOENT', 'EHOSTUNREACH'].includes(
      code,
    ) ||
    code.startsWith('08') || // connection exception class
    code === '57P01' || // admin_shutdown
    code === '57P03' || // cannot_connect_now (starting up)
    /Connection terminated|timeout expired|not queryable|Client has encountered a connection error/i.test(message)
  );
}

/** The error `open` raises when the server cannot be reached: host, and what to check. */
export function unreachableAtStart(url: string, error: unknown): CitebotError {
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  if (code === '28P01' || code === '28000') {
    return new UserError(
      'store_unreachable',
      `PostgreSQL at ${serverName(url)} refused the login (${detail}); check the user and password in DATABASE_URL`,
      { cause: error },
    );
  }
  if (code === '3D000') {
    return new UserError(
      'store_unreachable',
      `PostgreSQL at ${serverName(url)}: ${detail}; create it (createdb) or fix the database name in DATABASE_URL`,
      { cause: error },
    );
  }
  return new UserError(
    'store_unreachable',
    `cannot reach PostgreSQL at ${serverName(url)} (${detail}); check that the server is running, and DATABASE_URL's host and port, the firewall and pg_hba.conf`,
    { cause: error },
  );
}

/** The error a change gets while the server is gone: nothing was written. */
export function unavailable(url: string, error: unknown): CitebotError {
  const detail = error instanceof Error ? error.message : String(error);
  return new UserError(
    'store_unavailable',
    `PostgreSQL at ${serverName(url)} is unreachable (${detail}); nothing was changed. Questions are still answered from memory; try again once the database is back`,
    { cause: error },
  );
}

/** Runs `fn` in one transaction on one checked-out client (never `pool.query('BEGIN')`). */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = isConnectionError(error);
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose connection broke is destroyed, not handed to the next caller.
    client.release(broken || undefined);
  }
}

/**
 * What the parts of one PostgreSQL store share: the pool, reads and changes that name the
 * server when it is gone, whether the LISTEN connection is up, and the newest generation this
 * process knows of (its own writes, NOTIFYs heard, the last one read).
 */
export class StoreSession {
  knownGeneration = 0;
  private listening: { readonly online: boolean } = { online: false };

  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
  ) {}

  /** The LISTEN connection that tells whether the server is reachable. */
  followOnline(listening: { readonly online: boolean }): void {
    this.listening = listening;
  }

  /** Whether the server is reachable, as far as the LISTEN connection can tell. */
  get online(): boolean {
    return this.listening.online;
  }

  saw(generation: number): void {
    this.knownGeneration = Math.max(this.knownGeneration, generation);
  }

  /** A read; a lost server becomes the error that says so (callers with a cache answer from it instead). */
  async query(sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, values);
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }

  /** Runs a change; a lost server becomes the "nothing was changed" error. */
  async change<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.online) throw unavailable(this.url, new Error('the connection was lost'));
    try {
      return await fn();
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }
}
