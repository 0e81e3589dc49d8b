/**
 * Fetches an article page by URL for /ingest (and the CLI), safely:
 *  - http/https only, no credentials in the URL;
 *  - the host's addresses must all be public: private, loopback, link-local, unique-local, CGNAT,
 *    multicast, unspecified, reserved and documentation ranges are refused (IPv4 and IPv6, including
 *    IPv4-mapped/compatible IPv6, NAT64 and 6to4 forms) — on the first request and on every redirect;
 *  - the connection is pinned to the vetted address (custom `lookup`), so DNS can't change in between;
 *  - redirects are followed by hand (at most 5);
 *  - one time limit for the whole fetch, a size limit enforced while streaming (and after decompression);
 *  - only text/html, text/plain, text/markdown and JSON are accepted.
 * Errors are UserErrors: url_refused, url_unreachable, url_bad_response, unsupported_format, input_too_large.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.ts';

export type FetchedFormat = 'text' | 'markdown' | 'html' | 'json' | 'ndjson';

export interface FetchedDocument {
  /** Final URL after redirects. */
  url: string;
  /** A file-like name for messages and ids (last path segment, or the host). */
  name: string;
  contentType: string;
  format: FetchedFormat;
  /** UTF-8 bytes (re-encoded when the page declared another charset). */
  bytes: Uint8Array;
}

export interface FetchUrlOptions {
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Tests only: allow private/loopback addresses (the local test server). */
  allowPrivate?: boolean;
  /** Tests only: hosts (name or literal address) exempt from the address check. */
  allowHosts?: string[];
  /** DNS resolution (injectable for tests). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
  userAgent?: string;
}

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

// ---------------------------------------------------------------------------
// Address classification
// ---------------------------------------------------------------------------

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function inV4(n: number, base: string, bits: number): boolean {
  const b = ipv4ToInt(base)!;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((n & mask) >>> 0) === ((b & mask) >>> 0);
}

export function classifyIPv4(ip: string): AddressClass {
  const n = ipv4ToInt(ip);
  if (n === null) return 'invalid';
  if (inV4(n, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16)) return 'private';
  if (inV4(n, '127.0.0.0', 8)) return 'loopback';
  if (inV4(n, '169.254.0.0', 16)) return 'link-local';
  if (inV4(n, '100.64.0.0', 10)) return 'cgnat';
  if (inV4(n, '224.0.0.0', 4)) return 'multicast';
  if (
    inV4(n, '192.0.0.0', 24) || // IETF protocol assignments
    inV4(n, '192.0.2.0', 24) || // TEST-NET-1
    inV4(n, '198.18.0.0', 15) || // benchmarking
    inV4(n, '198.51.100.0', 24) || // TEST-NET-2
    inV4(n, '203.0.113.0', 24) || // TEST-NET-3
    inV4(n, '192.88.99.0', 24) || // 6to4 relay anycast
    inV4(n, '240.0.0.0', 4) // reserved + broadcast
  ) {
    return 'reserved';
  }
  return 'public';
}

/** Expands an IPv6 literal (with optional embedded IPv4 and zone) into 8 16-bit groups. */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    if (n === null) return null;
    s = `${s.slice(0, s.length - v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  if (halves.length === 1) {
    return total === 8 ? head : null;
  }
  if (total > 7) return null;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

function v4FromGroups(hi: number, lo: number): string {
  return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`;
}

export function classifyIPv6(ip: string): AddressClass {
  const g = ipv6Groups(ip);
  if (!g) return 'invalid';
  const allZero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (allZero(0, 8)) return 'unspecified';
  if (allZero(0, 7) && g[7] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d
  if (allZero(0, 5) && g[5] === 0xffff) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (allZero(0, 6)) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (allZero(0, 4) && g[4] === 0xffff && g[5] === 0) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  // NAT64 64:ff9b::/96 and 64:ff9b:1::/48 embed an IPv4 address
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(2, 6)) return classifyIPv4(v4FromGroups(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'reserved';
  // 6to4 2002::/16 embeds an IPv4 address in groups 1–2
  if (g[0] === 0x2002) {
    const inner = classifyIPv4(v4FromGroups(g[1]!, g[2]!));
    return inner === 'public' ? 'public' : inner;
  }
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'unique-local'; // fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x2001 && g[1]! < 0x0200) return 'reserved'; // 2001::/23 IETF (Teredo, benchmarking, ORCHID…)
  if (first === 0x0100 && allZero(1, 4)) return 'reserved'; // discard-only 100::/64
  if ((first & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

/** What kind of address `ip` is (IPv4 or IPv6 literal). Anything but 'public' is refused. */
export function classifyAddress(ip: string): AddressClass {
  const kind = isIP(ip.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  const bare = ip.replace(/^\[|\]$/g, '');
  if (kind === 4) return classifyIPv4(bare);
  if (kind === 6) return classifyIPv6(bare);
  return 'invalid';
}

export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

// ---------------------------------------------------------------------------
// Fetching
// ---------------------------------------------------------------------------

const FORMATS: Record<string, FetchedFormat> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'application/json': 'json',
  'text/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

function describeType(type: string): string {
  if (type.startsWith('image/')) return `an image (${type})`;
  if (type === 'application/pdf') return 'a PDF document';
  if (type.startsWith('video/')) return `a video (${type})`;
  if (type.startsWith('audio/')) return `an audio file (${type})`;
  if (type.includes('zip') || type.includes('compressed')) return `an archive (${type})`;
  if (type === 'application/octet-stream') return 'a binary download';
  return type ? `of type ${type}` : 'of no declared type';
}

function formatMb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

function nameFor(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).pop();
  return last ? decodeURIComponent(last).slice(0, 120) : url.hostname;
}

interface Vetted {
  address: string;
  family: 4 | 6;
}

async function vetHost(url: URL, options: FetchUrlOptions, original: string): Promise<Vetted | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const exempt = options.allowPrivate || (options.allowHosts ?? []).some((h) => h.toLowerCase() === host.toLowerCase());
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await (options.resolve ?? ((h: string) => dnsLookup(h, { all: true, verbatim: true })))(host);
    } catch (error) {
      throw new UserError('url_unreachable', `couldn't reach ${original}: the host name ${host} doesn't resolve`, { cause: error });
    }
    if (addresses.length === 0) {
      throw new UserError('url_unreachable', `couldn't reach ${original}: the host name ${host} doesn't resolve`);
    }
  }
  if (!exempt) {
    for (const a of addresses) {
      const kind = classifyAddress(a.address);
      if (kind !== 'public') {
        throw new UserError(
          'url_refused',
          `refused to fetch ${original}: ${host === a.address ? 'it' : host} points to a ${kind === 'invalid' ? 'non-routable' : kind} address (${a.address}), and citebot only fetches public web pages`,
        );
      }
    }
  }
  if (literal) return null; // connect straight to the literal
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function pinnedLookup(v: Vetted): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts && opts.all) cb(null, [{ address: v.address, family: v.family }]);
    else cb(null, v.address, v.family);
  }) as unknown as LookupFunction;
}

function requestOnce(url: URL, vetted: Vetted | null, signal: AbortSignal, userAgent: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(
      url,
      {
        method: 'GET',
        signal,
        headers: {
          'user-agent': userAgent,
          accept: 'text/html,application/xhtml+xml,text/plain,text/markdown,application/json;q=0.9,*/*;q=0.1',
          'accept-encoding': 'gzip, deflate, br',
        },
        ...(vetted ? { lookup: pinnedLookup(vetted) } : {}),
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

async function readLimited(stream: Readable, maxBytes: number, original: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new UserError('input_too_large', `${original} is larger than the ${formatMb(maxBytes)} limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toUtf8(body: Buffer, charset: string | undefined): Uint8Array {
  const cs = (charset ?? 'utf-8').trim().toLowerCase().replace(/^"|"$/g, '');
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return new Uint8Array(body);
  try {
    return new TextEncoder().encode(new TextDecoder(cs).decode(body));
  } catch {
    return new Uint8Array(body); // unknown label: let the parser's UTF-8 check speak
  }
}

/** Fetches `input` under the rules above. */
export async function fetchUrl(input: string, options: FetchUrlOptions = {}): Promise<FetchedDocument> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? 'citebot/0.1 (+article ingester)';
  const original = input.trim();

  let url: URL;
  try {
    url = new URL(original);
  } catch {
    throw new UserError('url_refused', `"${original.slice(0, 200)}" is not a valid URL; give a full address like https://example.com/news/story`);
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new UserError('url_refused', `refused to fetch ${url.protocol}// URLs; only http and https links can be ingested`);
      }
      if (url.username || url.password) {
        throw new UserError('url_refused', 'refused to fetch a URL with a user name or password in it');
      }
      const vetted = await vetHost(url, options, original);
      let res: IncomingMessage;
      try {
        res = await requestOnce(url, vetted, controller.signal, userAgent);
      } catch (error) {
        if (controller.signal.aborted) {
          throw new UserError('url_unreachable', `couldn't reach ${original}: no answer within ${Math.round(timeoutMs / 1000)} s`, { cause: error });
        }
        const code = (error as NodeJS.ErrnoException).code ?? 'connection failed';
        throw new UserError('url_unreachable', `couldn't reach ${original} (${code})`, { cause: error });
      }
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hop >= maxRedirects) {
          throw new UserError('url_bad_response', `${original} redirects more than ${maxRedirects} times`);
        }
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new UserError('url_bad_response', `${original} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} instead of a page`);
      }
      const [mime = '', ...params] = (res.headers['content-type'] ?? '').split(';').map((s) => s.trim());
      const type = mime.toLowerCase();
      const format = FORMATS[type];
      if (!format) {
        res.resume();
        throw new UserError(
          'unsupported_format',
          `${original} is ${describeType(type)}; citebot ingests web pages (HTML), plain text, Markdown and JSON`,
        );
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.resume();
        throw new UserError('input_too_large', `${original} is ${formatMb(declared)}, larger than the ${formatMb(maxBytes)} limit`);
      }
      const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
      let stream: Readable = res;
      if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(createGunzip());
      else if (encoding === 'deflate') stream = res.pipe(createInflate());
      else if (encoding === 'br') stream = res.pipe(createBrotliDecompress());
      let body: Buffer;
      try {
        body = await readLimited(stream, maxBytes, original);
      } catch (error) {
        if (error instanceof UserError) throw error;
        if (controller.signal.aborted) {
          throw new UserError('url_unreachable', `couldn't reach ${original}: the download took longer than ${Math.round(timeoutMs / 1000)} s`, { cause: error });
        }
        throw new UserError('url_unreachable', `couldn't read ${original}: the connection broke off`, { cause: error });
      }
      const charset = params.find((p) => p.toLowerCase().startsWith('charset='))?.slice(8);
      return { url: url.href, name: nameFor(url), contentType: type, format, bytes: toUtf8(body, charset) };
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Where Discord serves attachments. */
export const DISCORD_ATTACHMENT_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];

/**
 * An attachment URL from an interaction is only fetched from Discord's attachment hosts or the
 * configured Discord API's own host (a self-hosted gateway or emulator), over https there or
 * the API's own protocol, and never with redirects: the bot holds no reason to fetch anything else.
 */
export function checkAttachmentUrl(url: string, apiUrl: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('url_refused', "that attachment's address isn't a valid URL; try uploading it again");
  }
  const api = new URL(apiUrl);
  const fromDiscord = parsed.protocol === 'https:' && DISCORD_ATTACHMENT_HOSTS.includes(parsed.hostname);
  const fromApi = parsed.protocol === api.protocol && parsed.host === api.host;
  if (!fromDiscord && !fromApi) {
    throw new UserError('url_refused', `attachments are only downloaded from Discord (${DISCORD_ATTACHMENT_HOSTS.join(', ')}), not from ${parsed.host || url.slice(0, 60)}`);
  }
  return parsed;
}

/** Downloads a Discord attachment (its URL checked by checkAttachmentUrl) with a size and time limit. */
export async function downloadAttachment(url: string, maxBytes: number, options: { timeoutMs?: number; apiUrl: string }): Promise<Uint8Array> {
  const checked = checkAttachmentUrl(url, options.apiUrl);
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let res: Response;
  try {
    res = await fetch(checked, { signal, redirect: 'error' });
  } catch (error) {
    throw new UserError('url_unreachable', "couldn't download the attachment from Discord; try again", { cause: error });
  }
  if (!res.ok || !res.body) {
    throw new UserError('url_bad_response', `Discord answered ${res.status} when downloading the attachment; try uploading it again`);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel();
    throw new UserError('input_too_large', `the attachment is ${formatMb(declared)}, larger than the ${formatMb(maxBytes)} limit`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new UserError('input_too_large', `the attachment is larger than the ${formatMb(maxBytes)} limit`);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
