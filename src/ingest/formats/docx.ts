/**
 * Word documents (.docx) through mammoth: the document body becomes HTML (running headers,
 * footers and footnote marks are left out by mammoth), whose paragraphs and list items are the
 * article's paragraphs; headings are not passages.
 * Title: docProps/core.xml's dc:title, else the first "Title" or heading paragraph, else the
 * first paragraph. Date: dcterms:created (the document's own date; modified changes on every save).
 */
import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import { UserError } from '../../errors.ts';
import { displayName } from '../decode.ts';
import { cleanAuthor, normaliseDate, normaliseSpace, titleFromParagraph, type RawArticle } from './common.ts';
import { readZipEntry, zipEntries } from './zip.ts';

/** Inflated size over this many times the file's size is a decompression bomb, not a document. */
const MAX_INFLATION = 100;
const CORE_XML_MAX_BYTES = 256 * 1024;

const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

function corrupt(who: string, detail: string, cause?: unknown): UserError {
  return new UserError(
    'document_corrupt',
    `${who} is not a readable Word document (${detail}); open it in Word or LibreOffice and save it again as .docx`,
    { cause },
  );
}

function coreProperty(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]{1,2000})</${tag}>`).exec(xml);
  if (!m) return null;
  const text = m[1]!.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!,
  );
  return normaliseSpace(text) || null;
}

/**
 * Parses a .docx file's bytes. Throws UserError `document_encrypted` (a password-protected
 * document is an OLE file, not a ZIP), `document_corrupt` and `input_too_large` (inflates to over
 * MAX_INFLATION times its size).
 */
export async function parseDocx(bytes: Uint8Array, name: string): Promise<RawArticle> {
  const who = displayName(name);
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) {
    throw new UserError(
      'document_encrypted',
      `${who} is password-protected (or an old .doc file); open it in Word, remove the password or save it as .docx, and ingest that`,
    );
  }
  const entries = zipEntries(bytes);
  if (!entries) throw corrupt(who, 'not a ZIP package');
  if (!entries.some((e) => e.name === 'word/document.xml')) throw corrupt(who, 'no word/document.xml inside');
  const inflated = entries.reduce((sum, e) => sum + e.size, 0);
  if (inflated > Math.max(bytes.length, 64 * 1024) * MAX_INFLATION) {
    throw new UserError(
      'input_too_large',
      `${who} unpacks to ${Math.round(inflated / 1024 / 1024)} MiB, far more than a document of its size should; it was not read`,
    );
  }

  let html: string;
  try {
    html = (
      await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }, { styleMap: STYLE_MAP, externalFileAccess: false })
    ).value;
  } catch (error) {
    throw corrupt(who, error instanceof Error ? error.message : String(error), error);
  }
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  let firstHeading: string | null = null;
  const paragraphs: string[] = [];
  for (const el of Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6, p, li, blockquote'))) {
    // A list item's or quote's own <p> children are read with it.
    if (el.tagName === 'P' && el.parentElement?.closest('li, blockquote')) continue;
    const text = normaliseSpace(el.textContent ?? '');
    if (text === '') continue;
    if (/^H\d$/.test(el.tagName)) firstHeading ??= text;
    else paragraphs.push(text);
  }

  const core = readZipEntry(bytes, entries, 'docProps/core.xml', CORE_XML_MAX_BYTES);
  const coreXml = core ? new TextDecoder().decode(core) : '';
  const title =
    coreProperty(coreXml, 'dc:title') ?? firstHeading ?? (paragraphs[0] ? titleFromParagraph(paragraphs[0]) : '');
  return {
    id: null,
    title,
    date: normaliseDate(coreProperty(coreXml, 'dcterms:created')),
    source: null,
    section: null,
    url: null,
    author: cleanAuthor(coreProperty(coreXml, 'dc:creator')),
    paragraphs,
  };
}
