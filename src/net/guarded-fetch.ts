/**
 * The one way citebot fetches a URL (page ingest, feeds): `guardedFetch`.
 *  - http/https only, no credentials in the URL;
 *  - every address the host resolves to must pass the address policy (src/net/address-policy.ts),
 *    on the first request and on every redirect (followed by hand, at most `maxRedirects`);
 *  - the connection is pinned to the vetted address (custom `lookup`), so DNS can't change in between;
 *  - ONE time limit covers everything: DNS, connecting, redirects, headers and the whole body,
 *    decompression included — a stalled or dropped gzip/deflate/br body fails within it;
 *  - a size limit enforced while streaming, after decompression (so a zip bomb stops at the limit);
 *  - optionally only some content types are accepted, refused before the body is read.
 * Errors are UserErrors: url_refused, url_unreachable, url_bad_response, unsupported_format, input_too_large.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { UserError } from '../errors.ts';
import { addressPolicy, checkAddresses, isHostAllowed, PUBLIC_ONLY, type AddressPolicy } from './address-policy.ts';

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export interface GuardedFetchOptions {
  /** The whole fetch, DNS to last byte (default 10 s). */
  timeoutMs?: number;
  /** Largest body after decompression (default 5 MiB). */
  maxBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** ALLOW_PRIVATE_HOSTS entries (host names and CIDR networks); default none. */
  allowPrivateHosts?: readonly string[];
  /** Content types (lower-case MIME, `type/*` allowed) accepted; others are refused with unsupported_format. Default: any. */
  acceptTypes?: readonly string[];
  /** Appended to the unsupported_format message ("citebot ingests web pages (HTML), plain text…"). */
  acceptLabel?: string;
  /** Extra request headers (accept, if-none-match, if-modified-since…). */
  headers?: Record<string, string>;
  /** Cancels the fetch (e.g. on shutdown); reported as url_unreachable. */
  signal?: AbortSignal;
  /** DNS resolution (injectable for tests). */
  resolve?: Resolver;
  userAgent?: string;
}

export interface GuardedResponse {
  /** Final URL after redirects. */
  url: string;
  /** 2xx, or 304 when the request was conditional (then `body` is empty). */
  status: number;
  headers: IncomingHttpHeaders;
  /** Lower-case MIME type without parameters ('' when none was declared). */
  mime: string;
  /** The declared charset, or null. */
  charset: string | null;
  /** The body, decompressed. */
  body: Buffer;
}

export const DEFAULT_USER_AGENT = 'citebot/0.1 (+article ingester)';

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

export function describeType(type: string): string {
  if (type.startsWith('image/')) return `an image (${type})`;
  if (type === 'application/pdf') return 'a PDF document';
  if (type.startsWith('video/')) return `a video (${type})`;
  if (type.startsWith('audio/')) return `an audio file (${type})`;
  if (type.includes('zip') || type.includes('compressed')) return `an archive (${type})`;
  if (type === 'application/octet-stream') return 'a binary download';
  return type ? `of type ${type}` : 'of no declared type';
}

interface Vetted {
  address: string;
  family: 4 | 6;
}

/** Thrown inside the fetch when the time limit or the caller's signal fires; mapped to one message. */
class Stopped extends Error {}

/** Resolves `promise`, or rejects with Stopped as soon as `signal` aborts (the work itself may go on, unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

async function vetHost(
  url: URL,
  policy: AddressPolicy,
  resolve: Resolver,
  signal: AbortSignal,
  shown: string,
): Promise<Vetted | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  if (literal) {
    checkAddresses(policy, host, [host], shown);
    return null; // connect straight to the literal
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await untilAborted(resolve(host), signal);
  } catch (error) {
    if (error instanceof Stopped) throw error;
    throw new UserError('url_unreachable', `couldn't reach ${shown}: the host name ${host} doesn't resolve`, {
      cause: error,
    });
  }
  if (addresses.length === 0) {
    throw new UserError('url_unreachable', `couldn't reach ${shown}: the host name ${host} doesn't resolve`);
  }
  if (!isHostAllowed(policy, host))
    checkAddresses(
      policy,
      host,
      addresses.map((a) => a.address),
      shown,
    );
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function pinnedLookup(v: Vetted): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts && opts.all) cb(null, [{ address: v.address, family: v.family }]);
    else cb(null, v.address, v.family);
  }) as unknown as LookupFunction;
}

function requestOnce(
  url: URL,
  vetted: Vetted | null,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(
      url,
      { method: 'GET', signal, headers, ...(vetted ? { lookup: pinnedLookup(vetted) } : {}) },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

function decoderFor(encoding: string): Transform | null {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  return null;
}

class TooLarge extends Error {}

/**
 * Reads the body through its decoder with stream.pipeline, which destroys every stage when any
 * stage fails or the signal aborts. (`res.pipe(gunzip)` did not: a stalled or dropped compressed
 * body left the decompressor waiting forever, past the time limit.)
 */
async function readBody(
  res: IncomingMessage,
  encoding: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new TooLarge());
      chunks.push(chunk);
      done();
    },
  });
  const decoder = decoderFor(encoding);
  if (decoder) await pipeline(res, decoder, sink, { signal });
  else await pipeline(res, sink, { signal });
  return Buffer.concat(chunks);
}

function acceptsType(acceptTypes: readonly string[], mime: string): boolean {
  return acceptTypes.some((t) => t === mime || (t.endsWith('/*') && mime.startsWith(t.slice(0, -1))));
}

function checkUrl(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(
      'url_refused',
      `refused to fetch ${url.protocol}// URLs; only http and https links can be fetched`,
    );
  }
  if (url.username || url.password) {
    throw new UserError('url_refused', 'refused to fetch a URL with a user name or password in it');
  }
}

export function parseUrl(input: string): URL {
  try {
    return new URL(input.trim());
  } catch {
    throw new UserError(
      'url_refused',
      `"${input.trim().slice(0, 200)}" is not a valid URL; give a full address like https://example.com/news/story`,
    );
  }
}

interface FetchRun {
  shown: string;
  policy: AddressPolicy;
  signal: AbortSignal;
  maxBytes: number;
  maxRedirects: number;
  resolve: Resolver;
  headers: Record<string, string>;
  acceptTypes: readonly string[] | undefined;
  acceptLabel: string | undefined;
  /** The error for a fetch stopped by the time limit or the caller. */
  stopped(cause: unknown, phase: 'answer' | 'download'): UserError;
}

/** Fetches `input` under the rules in this file's header. */
export async function guardedFetch(input: string, options: GuardedFetchOptions = {}): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const shown = input.trim();
  const url = parseUrl(input);
  const limit = AbortSignal.timeout(timeoutMs);
  const seconds = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
  const run: FetchRun = {
    shown,
    policy: options.allowPrivateHosts?.length ? addressPolicy(options.allowPrivateHosts) : PUBLIC_ONLY,
    signal: options.signal ? AbortSignal.any([limit, options.signal]) : limit,
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    maxRedirects: options.maxRedirects ?? 5,
    resolve: options.resolve ?? ((h: string) => dnsLookup(h, { all: true, verbatim: true })),
    headers: {
      'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
      'accept-encoding': 'gzip, deflate, br',
      accept: '*/*',
      ...options.headers,
    },
    acceptTypes: options.acceptTypes,
    acceptLabel: options.acceptLabel,
    stopped: (cause, phase) =>
      limit.aborted
        ? new UserError(
            'url_unreachable',
            phase === 'answer'
              ? `couldn't reach ${shown}: no answer within ${seconds}`
              : `couldn't reach ${shown}: the download took longer than ${seconds}`,
            { cause },
          )
        : new UserError('url_unreachable', `stopped fetching ${shown}: the fetch was cancelled`, { cause }),
  };
  try {
    return await followRedirects(url, run);
  } catch (error) {
    if (error instanceof Stopped) throw run.stopped(error, 'answer');
    throw error;
  }
}

async function followRedirects(start: URL, run: FetchRun): Promise<GuardedResponse> {
  let url = start;
  for (let hop = 0; ; hop++) {
    checkUrl(url);
    const vetted = await vetHost(url, run.policy, run.resolve, run.signal, run.shown);
    let res: IncomingMessage;
    try {
      res = await requestOnce(url, vetted, run.signal, run.headers);
    } catch (error) {
      if (run.signal.aborted) throw run.stopped(error, 'answer');
      const code = (error as NodeJS.ErrnoException).code ?? 'connection failed';
      throw new UserError('url_unreachable', `couldn't reach ${run.shown} (${code})`, { cause: error });
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
      res.destroy();
      if (hop >= run.maxRedirects)
        throw new UserError('url_bad_response', `${run.shown} redirects more than ${run.maxRedirects} times`);
      url = new URL(res.headers.location, url);
      continue;
    }
    return await readResponse(url, res, run);
  }
}

async function readResponse(url: URL, res: IncomingMessage, run: FetchRun): Promise<GuardedResponse> {
  const status = res.statusCode ?? 0;
  const [mimeRaw = '', ...params] = (res.headers['content-type'] ?? '').split(';').map((s) => s.trim());
  const mime = mimeRaw.toLowerCase();
  const charsetParam = params.find((p) => p.toLowerCase().startsWith('charset='));
  const charset = charsetParam ? charsetParam.slice(8).trim().replace(/^"|"$/g, '') : null;
  const head = { url: url.href, status, headers: res.headers, mime, charset };
  if (status === 304) {
    res.destroy();
    return { ...head, body: Buffer.alloc(0) };
  }
  if (status < 200 || status >= 300) {
    res.destroy();
    throw new UserError(
      'url_bad_response',
      `${run.shown} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} instead of a page`,
    );
  }
  if (run.acceptTypes && !acceptsType(run.acceptTypes, mime)) {
    res.destroy();
    throw new UserError(
      'unsupported_format',
      `${run.shown} is ${describeType(mime)}${run.acceptLabel ? `; ${run.acceptLabel}` : ''}`,
    );
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > run.maxBytes) {
    res.destroy();
    throw new UserError(
      'input_too_large',
      `${run.shown} is ${formatSize(declared)}, larger than the ${formatSize(run.maxBytes)} limit`,
    );
  }
  const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
  try {
    return { ...head, body: await readBody(res, encoding, run.maxBytes, run.signal) };
  } catch (error) {
    res.destroy();
    if (error instanceof TooLarge)
      throw new UserError('input_too_large', `${run.shown} is larger than the ${formatSize(run.maxBytes)} limit`);
    if (run.signal.aborted) throw run.stopped(error, 'download');
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new UserError('url_bad_response', `couldn't read ${run.shown}: its ${encoding} compression is corrupt`, {
        cause: error,
      });
    }
    throw new UserError('url_unreachable', `couldn't read ${run.shown}: the connection broke off`, { cause: error });
  }
}
