/**
 * Fetches an article page by URL for /ingest (and the CLI) through the guarded fetch
 * (src/net/guarded-fetch.ts: address policy, redirects re-checked, size and time limits), accepting
 * only the content types citebot can parse, and hands back UTF-8 bytes (PDF and Word files as sent)
 * with their format.
 */
import { guardedFetch, type GuardedFetchOptions } from '../net/guarded-fetch.ts';

export type FetchedFormat = 'text' | 'markdown' | 'html' | 'json' | 'ndjson' | 'pdf' | 'docx';

export interface FetchedDocument {
  /** Final URL after redirects. */
  url: string;
  /** A file-like name for messages and ids (last path segment, or the host). */
  name: string;
  contentType: string;
  format: FetchedFormat;
  /** UTF-8 bytes (re-encoded when the page declared another charset); a PDF or Word file as sent. */
  bytes: Uint8Array;
}

export type FetchUrlOptions = Omit<GuardedFetchOptions, 'acceptTypes' | 'acceptLabel'>;

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
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

const ACCEPT =
  'text/html,application/xhtml+xml,text/plain,text/markdown,application/json;q=0.9,application/pdf;q=0.8,*/*;q=0.1';

function nameFor(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (!last) return url.hostname;
  try {
    return decodeURIComponent(last).slice(0, 120);
  } catch {
    return last.slice(0, 120); // a malformed %-escape: keep the name as written
  }
}

function toUtf8(body: Buffer, charset: string | null): Uint8Array {
  const cs = (charset ?? 'utf-8').trim().toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return new Uint8Array(body);
  try {
    return new TextEncoder().encode(new TextDecoder(cs).decode(body));
  } catch {
    return new Uint8Array(body); // unknown label: let the parser's UTF-8 check speak
  }
}

/** Fetches a page under the guarded fetch's rules; only the formats citebot parses are accepted. */
export async function fetchUrl(input: string, options: FetchUrlOptions = {}): Promise<FetchedDocument> {
  const res = await guardedFetch(input, {
    ...options,
    headers: { accept: ACCEPT, ...options.headers },
    acceptTypes: Object.keys(FORMATS),
    acceptLabel: 'citebot ingests web pages (HTML), plain text, Markdown, JSON, PDF and Word (.docx) files',
  });
  const url = new URL(res.url);
  const format = FORMATS[res.mime]!;
  const bytes = format === 'pdf' || format === 'docx' ? new Uint8Array(res.body) : toUtf8(res.body, res.charset);
  return { url: res.url, name: nameFor(url), contentType: res.mime, format, bytes };
}
