/**
 * Reads article files, folders, globs, stdin or http(s) URLs into Articles, collecting per-input
 * reasons for what was skipped instead of stopping at the first bad file or page.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { FetchedDocument } from './fetch-url.ts';
import type { Article } from '../types.ts';
import { displayName, SUPPORTED_EXTENSIONS } from './decode.ts';
import { parseInput, type ArticleInput, type ParseLimits, type SkippedRecords } from './parse.ts';

export interface SkippedInput {
  name: string;
  reason: string;
}

export interface ReadResult {
  articles: Article[];
  skipped: SkippedInput[];
}

const ARTICLE_FILE = /\.(txt|text|md|markdown|html?|xhtml|json|ndjson|jsonl|pdf|docx)$/i;

/** Why a path can't be read, in words (a symlink loop is not "no such file"). */
function statProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symbolic link loop (the link leads back to itself)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENAMETOOLONG') return 'the path is too long';
  if (code === 'ENOTDIR') return 'no such file or folder (a part of the path is a file)';
  return 'no such file or folder';
}

/** Expands files, folders (recursively, article extensions only) and glob patterns. */
export function expandInputs(inputs: readonly string[]): { files: string[]; skipped: SkippedInput[] } {
  const files: string[] = [];
  const skipped: SkippedInput[] = [];
  for (const input of inputs) {
    if (input === '-') {
      files.push('-');
      continue;
    }
    // A name that exists is taken as written, even with glob characters in it ("report[1].txt").
    const literal = lstatOrNull(input) !== null;
    const matches = !literal && /[*?[\]{}]/.test(input) ? globSync(input) : [input];
    if (matches.length === 0) skipped.push({ name: input, reason: 'no file matches this pattern' });
    for (const match of matches) {
      let stats;
      try {
        stats = statSync(match);
      } catch (error) {
        skipped.push({ name: match, reason: statProblem(error) });
        continue;
      }
      if (stats.isDirectory()) files.push(...walk(match, realpathSync(match), skipped));
      else files.push(match);
    }
  }
  return { files: [...new Set(files)], skipped };
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Glob characters → RegExp: `**` crosses folders, `*` and `?` do not; brackets are literal. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '{') source += '(?:';
    else if (c === '}') source += ')';
    else if (c === ',' && source.includes('(?:')) source += '|';
    else source += c.replace(/[.+^$()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

// Shells expand globs; this covers quoted patterns (and Windows shells, which don't).
function globSync(pattern: string): string[] {
  const firstGlob = pattern.search(/[*?[{]/);
  const base = pattern.slice(0, pattern.lastIndexOf('/', firstGlob) + 1) || '.';
  const matcher = globToRegExp(pattern.replace(/^\.\//, ''));
  const all = walkAll(base);
  return all.filter((path) => matcher.test(base === '.' ? relative('.', path) : path));
}

/** Every file under `dir` for glob matching; symbolic links to folders are not followed (they can loop). */
function walkAll(dir: string): string[] {
  const found: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = dir === '.' ? entry.name : join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walkAll(path));
    else found.push(path);
  }
  return found;
}

/**
 * A symbolic link met inside an ingested folder: followed only to a file inside the same folder
 * (`root`, real path). A link out of it (`passwd.txt → /etc/passwd`), to a folder, or in a loop is
 * skipped with the reason: whoever filled the folder should not choose what else gets read.
 */
function linkProblem(path: string, root: string): string | null {
  let target: string;
  try {
    target = realpathSync(path);
  } catch (error) {
    return statProblem(error);
  }
  const inside = target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
  if (!inside)
    return `a symbolic link to ${target}, outside the folder; links out of an ingested folder are not followed`;
  if (statSync(target).isDirectory()) return 'a symbolic link to a folder; links to folders are not followed';
  return null;
}

/** Article files under a folder; other files are reported, hidden ones ignored. */
function walk(dir: string, root: string, skipped: SkippedInput[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const problem = linkProblem(path, root);
      if (problem) {
        skipped.push({ name: path, reason: problem });
        continue;
      }
    }
    if (entry.isDirectory()) found.push(...walk(path, root, skipped));
    else if (ARTICLE_FILE.test(entry.name)) found.push(path);
    else skipped.push({ name: path, reason: `not an article file; supported: ${SUPPORTED_EXTENSIONS}` });
  }
  return found;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads one input into articles; given `skipped`, bad NDJSON lines go there (parseInput's contract). */
export type ParseFn = (input: ArticleInput, limits: ParseLimits, skipped?: SkippedRecords) => Promise<Article[]>;

export interface ReadOptions {
  maxBytes: number;
  /**
   * How each input is read: in this thread by default; the CLI passes the parse worker
   * (src/ingest/parse-off-thread.ts), which stops an input that overruns PARSE_TIMEOUT_MS.
   */
  parse?: ParseFn;
  stdin?: () => Uint8Array;
  /** Fetches an http(s) input (the guarded URL fetch); without it URLs are skipped. */
  fetchUrl?: (url: string) => Promise<FetchedDocument>;
}

const URL_INPUT = /^https?:\/\//i;

/** The URLs of a list file: one a line; blank lines and lines starting with # are ignored. */
export function urlsInList(text: string): { urls: string[]; skipped: SkippedInput[] } {
  const urls: string[] = [];
  const skipped: SkippedInput[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (URL_INPUT.test(line)) urls.push(line);
    else
      skipped.push({ name: `line ${i + 1} of the URL list`, reason: `"${line.slice(0, 80)}" is not an http(s) URL` });
  });
  return { urls, skipped };
}

async function readUrl(url: string, options: ReadOptions): Promise<Article[]> {
  if (!options.fetchUrl) throw new Error('URLs are not fetched here');
  const doc = await options.fetchUrl(url);
  const parse = options.parse ?? parseInput;
  return parse({ name: doc.name, bytes: doc.bytes, format: doc.format, url: doc.url }, { maxBytes: options.maxBytes });
}

/** Reads and parses every input (PDF and Word documents and URLs included); bad ones are skipped with a reason. */
export async function readArticleInputs(inputs: readonly string[], options: ReadOptions): Promise<ReadResult> {
  const { maxBytes, stdin } = options;
  const urls = inputs.filter((input) => URL_INPUT.test(input));
  const { files, skipped } = expandInputs(inputs.filter((input) => !URL_INPUT.test(input)));
  const articles: Article[] = [];
  /** Which input each article id came from. */
  const origins = new Map<string, string>();
  // One page at a time: a list of URLs is usually one site's, and it should not be hammered.
  for (const url of [...new Set(urls)]) {
    try {
      const fetched = await readUrl(url, options);
      for (const article of fetched) origins.set(article.id, url);
      articles.push(...fetched);
    } catch (error) {
      skipped.push({ name: url, reason: reasonOf(error) });
    }
  }
  for (const file of files) {
    try {
      let bytes: Uint8Array;
      if (file === '-') {
        bytes = stdin ? stdin() : readFileSync(0);
      } else {
        const size = statSync(file).size;
        if (size > maxBytes) {
          skipped.push({
            name: file,
            reason: `${file} is ${size} bytes, over the ${maxBytes}-byte limit (raise MAX_ARTICLE_BYTES to accept it)`,
          });
          continue;
        }
        bytes = readFileSync(resolve(file));
      }
      const badRecords: SkippedRecords = [];
      const parsed = await (options.parse ?? parseInput)({ name: file, bytes }, { maxBytes }, badRecords);
      // One bad NDJSON line doesn't cost the good ones: it is reported on its own.
      for (const bad of badRecords)
        skipped.push({ name: `${file} (${bad.label.replace(/ of .*$/, '')})`, reason: bad.reason });
      const clash = parsed.find((a) => origins.has(a.id));
      if (clash) {
        // story.md beside story.txt, or Report!.txt beside report?.txt: one id, two files. Storing
        // both would make the second silently replace the first.
        skipped.push({
          name: file,
          reason: `${displayName(file)} makes the article id "${clash.id}", which ${displayName(origins.get(clash.id)!)} already has; rename one of the files (or give the article its own "id") and ingest it again`,
        });
        continue;
      }
      for (const article of parsed) origins.set(article.id, file);
      articles.push(...parsed);
    } catch (error) {
      skipped.push({ name: file, reason: reasonOf(error) });
    }
  }
  return { articles, skipped };
}
