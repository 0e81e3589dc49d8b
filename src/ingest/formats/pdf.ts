/**
 * PDF documents through Mozilla's PDF.js (pdfjs-dist, legacy build for Node). Each page's
 * positioned text is laid out into paragraphs by pdf-layout.ts; every paragraph remembers the page
 * it begins on, so a citation can say "page 4, paragraph 2".
 * Title: the document's metadata title (unless it is a placeholder such as "Untitled" or a file
 * name), else the first heading, else the first paragraph. Date: the metadata creation date.
 *
 * PDF.js runs in the calling thread (its "fake worker"): the bot reaches this through the parse
 * worker thread (parse-off-thread.ts), never on its event loop.
 */
import { UserError } from '../../errors.ts';
import { displayName } from '../decode.ts';
import { cleanAuthor, normaliseSpace, titleFromParagraph, type RawArticle } from './common.ts';
import { layoutParagraphs, type PageText, type TextRun } from './pdf-layout.ts';

/** More pages than this is a book, not an article; refused before any page is read. */
export const MAX_PDF_PAGES = 2000;

/** Placeholder titles word processors and printers write into metadata. */
const PLACEHOLDER_TITLE_RE =
  /^(?:untitled|document\d*|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|pdf|odt|rtf|pages|indd))$/i;

interface PdfInfo {
  Title?: unknown;
  CreationDate?: unknown;
  ModDate?: unknown;
  Author?: unknown;
}

/** "D:20240110093000+01'00'" → "2024-01-10". */
export function pdfDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?/.exec(value.trim());
  if (!m) return null;
  const [y, mo = '01', d = '01'] = [m[1]!, m[2], m[3]];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== Number(mo) - 1 || Number(y) < 1900) return null;
  return `${y}-${mo}-${d}`;
}

function metadataTitle(info: PdfInfo): string | null {
  if (typeof info.Title !== 'string') return null;
  const title = normaliseSpace(info.Title);
  return title === '' || PLACEHOLDER_TITLE_RE.test(title) ? null : title;
}

function errorName(error: unknown): string {
  return error && typeof error === 'object' && 'name' in error ? String((error as { name: unknown }).name) : '';
}

function openFailure(name: string, error: unknown): UserError {
  const who = displayName(name);
  if (errorName(error) === 'PasswordException') {
    return new UserError(
      'document_encrypted',
      `${who} is a password-protected PDF; open it, save or print an unprotected copy, and ingest that`,
      { cause: error },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new UserError(
    'document_corrupt',
    `${who} is not a readable PDF (${detail}); check that the file is complete, or re-export it from the program that made it`,
    { cause: error },
  );
}

/** Reads one page's text runs. */
async function pageText(pdf: import('pdfjs-dist').PDFDocumentProxy, number: number): Promise<PageText> {
  const page = await pdf.getPage(number);
  const [, , width, height] = page.view as [number, number, number, number];
  const content = await page.getTextContent();
  const runs: TextRun[] = [];
  for (const item of content.items) {
    if (!('str' in item) || item.str === '') continue;
    const [a, b, , d, x, y] = item.transform as number[];
    // Rotated text (a margin note set sideways) would scramble the lines around it.
    if (Math.abs(b!) > Math.abs(a!) * 0.1) continue;
    runs.push({ text: item.str, x: x!, y: y!, width: item.width, size: Math.abs(d!) || item.height });
  }
  page.cleanup();
  return { number, width, height, runs };
}

/**
 * Parses a PDF's bytes. Throws UserError `document_encrypted` (password needed),
 * `document_corrupt` (not a PDF PDF.js can open), `document_no_text` (scanned pages without a text
 * layer) and `input_too_large` (more than MAX_PDF_PAGES pages).
 */
export async function parsePdf(bytes: Uint8Array, name: string): Promise<RawArticle> {
  const who = displayName(name);
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // PDF.js takes ownership of (detaches) the buffer it is given: give it a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  let pdf: import('pdfjs-dist').PDFDocumentProxy;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy();
    throw openFailure(name, error);
  }
  try {
    if (pdf.numPages > MAX_PDF_PAGES) {
      throw new UserError(
        'input_too_large',
        `${who} has ${pdf.numPages} pages, over the ${MAX_PDF_PAGES}-page limit for one document; split it into parts and ingest those`,
      );
    }
    const { info } = (await pdf.getMetadata()) as { info: PdfInfo };
    const pages: PageText[] = [];
    for (let n = 1; n <= pdf.numPages; n++) pages.push(await pageText(pdf, n));
    const layout = layoutParagraphs(pages);
    if (layout.paragraphs.length === 0) {
      throw new UserError(
        'document_no_text',
        `${who} has no text layer (${pdf.numPages} page${pdf.numPages === 1 ? '' : 's'} of images, likely a scan); run it through OCR first (for example \`ocrmypdf in.pdf out.pdf\`) and ingest the result`,
      );
    }
    const title = metadataTitle(info) ?? layout.firstHeading ?? titleFromParagraph(layout.paragraphs[0]!.text);
    return {
      id: null,
      title,
      date: pdfDate(info.CreationDate) ?? pdfDate(info.ModDate),
      source: null,
      section: null,
      url: null,
      author: typeof info.Author === 'string' ? cleanAuthor(info.Author) : null,
      paragraphs: layout.paragraphs.map((p) => p.text),
      pages: layout.paragraphs.map((p) => p.page),
    };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw openFailure(name, error);
  } finally {
    await pdf.destroy();
  }
}
