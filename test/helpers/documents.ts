/**
 * PDF and Word fixtures made in the tests (pdf-lib, docx), so every layout the readers must handle
 * is visible in code: two columns, a hyphen at a line end, running headers and page numbers.
 */
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

export interface PdfLine {
  text: string;
  x: number;
  y: number;
  size?: number;
}

export interface PdfPageSpec {
  lines: PdfLine[];
}

export interface PdfSpec {
  title?: string;
  author?: string;
  creationDate?: Date;
  /** Printed at the top of every page. */
  runningHeader?: string;
  /** Printed at the bottom of every page as "<n>". */
  pageNumbers?: boolean;
  pages: PdfPageSpec[];
}

const PAGE = { width: 612, height: 792 };

function draw(page: PDFPage, font: PDFFont, line: PdfLine): void {
  page.drawText(line.text, { x: line.x, y: line.y, size: line.size ?? 11, font });
}

export async function makePdf(spec: PdfSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (spec.title) doc.setTitle(spec.title);
  if (spec.author) doc.setAuthor(spec.author);
  if (spec.creationDate) doc.setCreationDate(spec.creationDate);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  spec.pages.forEach((pageSpec, i) => {
    const page = doc.addPage([PAGE.width, PAGE.height]);
    if (spec.runningHeader) draw(page, font, { text: spec.runningHeader, x: 72, y: 750, size: 9 });
    for (const line of pageSpec.lines) draw(page, font, line);
    if (spec.pageNumbers) draw(page, font, { text: String(i + 1), x: 300, y: 40, size: 9 });
  });
  return doc.save();
}

/** Lines of running text set from `top` downwards at 14 pt leading; a blank entry is a paragraph gap. */
export function column(x: number, top: number, texts: string[], size = 11): PdfLine[] {
  const lines: PdfLine[] = [];
  let y = top;
  for (const text of texts) {
    if (text !== '') lines.push({ text, x, y, size });
    y -= text === '' ? 10 : 14;
  }
  return lines;
}

/** A PDF page with an image only: what a scanner produces (no text layer). */
export async function makeScannedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([PAGE.width, PAGE.height]);
  page.drawRectangle({ x: 72, y: 72, width: 400, height: 600 });
  return doc.save();
}

export interface DocxSpec {
  title?: string;
  /** dc:creator in docProps/core.xml. */
  creator?: string;
  created?: Date;
  heading?: string;
  paragraphs: string[];
  header?: string;
}

export async function makeDocx(spec: DocxSpec): Promise<Uint8Array> {
  const children = [
    ...(spec.heading ? [new Paragraph({ text: spec.heading, heading: HeadingLevel.TITLE })] : []),
    ...spec.paragraphs.map((text) => new Paragraph({ children: [new TextRun(text)] })),
  ];
  const doc = new Document({
    ...(spec.title ? { title: spec.title } : {}),
    ...(spec.creator ? { creator: spec.creator } : {}),
    sections: [
      {
        ...(spec.header
          ? { headers: { default: new (await import('docx')).Header({ children: [new Paragraph(spec.header)] }) } }
          : {}),
        children,
      },
    ],
  });
  const buffer = await Packer.toBuffer(doc);
  let bytes: Uint8Array = new Uint8Array(buffer);
  if (spec.created) bytes = await withCreated(bytes, spec.created);
  return bytes;
}

/** docx writes the current time as dcterms:created; tests need a fixed date. */
async function withCreated(bytes: Uint8Array, created: Date): Promise<Uint8Array> {
  const { default: JSZip } = await import('jszip');
  const zip = await JSZip.loadAsync(bytes);
  const core = await zip.file('docProps/core.xml')!.async('string');
  zip.file(
    'docProps/core.xml',
    core.replace(
      /(<dcterms:created[^>]*>)[^<]*(<\/dcterms:created>)/,
      `$1${created.toISOString().replace(/\.\d+Z$/, 'Z')}$2`,
    ),
  );
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}
