/**
 * PDF and Word documents: layout into paragraphs, metadata, the errors a user can act on, and an
 * ingested PDF answering with its page in the citation. Fixtures are made here (test/helpers/documents.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PDFDocument, PDFHexString } from 'pdf-lib';
import { formatCitation } from '../../../src/format/text.ts';
import { layoutParagraphs, type TextRun } from '../../../src/ingest/formats/pdf-layout.ts';
import { OffThreadParser } from '../../../src/ingest/parse-off-thread.ts';
import { parseInput } from '../../../src/ingest/parse.ts';
import { LIBRARY_COLLECTION } from '../../../src/types.ts';
import { column, makeDocx, makePdf, makeScannedPdf, type PdfLine } from '../../helpers/documents.ts';
import { openTestEngine, type TestEngine } from '../../helpers/engine.ts';

const LEFT = column(72, 680, [
  'The harbour authority counted 412 vessels',
  'in the first quarter, a rise that officials',
  'attributed to new ferry routes and a recov-',
  'ery in freight traffic.',
  '',
  'Dredging of the eastern basin began in',
  'March.',
]);
const RIGHT = column(330, 680, [
  'Fishing crews reported lower catches as',
  'water temperatures rose.',
  '',
  'The board approved a budget of 9 million',
  'euros for the quay repairs.',
]);
const HEADING: PdfLine = { text: 'Quarterly harbour review', x: 72, y: 710, size: 20 };

function report(options: { title?: string } = {}): Promise<Uint8Array> {
  return makePdf({
    ...(options.title ? { title: options.title } : {}),
    creationDate: new Date('2024-03-05T10:00:00Z'),
    runningHeader: 'Harbour Authority - Quarterly Report',
    pageNumbers: true,
    pages: [
      { lines: [HEADING, ...LEFT, ...RIGHT] },
      {
        lines: column(72, 700, [
          'The new pilot station opened in May and',
          'now guides 30 ships a week into port.',
          '',
          'Tug crews will train there from June.',
        ]),
      },
    ],
  });
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

/** Text runs as PDF.js gives them; 0.47 em is Helvetica's average advance. */
function runs(lines: { text: string; x: number; y: number; size?: number }[]): TextRun[] {
  return lines.map((l) => ({
    text: l.text,
    x: l.x,
    y: l.y,
    size: l.size ?? 11,
    width: l.text.length * (l.size ?? 11) * 0.47,
  }));
}

describe('PDF layout', () => {
  test('GIVEN a two-column page THEN the left column is read to its end before the right one', () => {
    const layout = layoutParagraphs([{ number: 1, width: 612, height: 792, runs: runs([...LEFT, ...RIGHT]) }]);
    assert.deepEqual(
      layout.paragraphs.map((p) => p.text),
      [
        'The harbour authority counted 412 vessels in the first quarter, a rise that officials attributed to new ferry routes and a recovery in freight traffic.',
        'Dredging of the eastern basin began in March.',
        'Fishing crews reported lower catches as water temperatures rose.',
        'The board approved a budget of 9 million euros for the quay repairs.',
      ],
    );
  });

  test('GIVEN a hyphen at a line end before a capital or a number THEN the hyphen stays, joined without a space', () => {
    const layout = layoutParagraphs([
      {
        number: 1,
        width: 612,
        height: 792,
        runs: runs(column(72, 700, ['The anti-', 'NATO march and the COVID-', '19 rules were discussed.'])),
      },
    ]);
    assert.deepEqual(
      layout.paragraphs.map((p) => p.text),
      ['The anti-NATO march and the COVID-19 rules were discussed.'],
    );
  });

  test('GIVEN the same header line and page numbers on every page THEN they are dropped, and a paragraph carried to the next page continues', () => {
    const page = (n: number, body: string[]) => ({
      number: n,
      width: 612,
      height: 792,
      runs: runs([
        { text: `Annual report 2024 | page ${n}`, x: 72, y: 750, size: 9 },
        ...column(72, 700, body),
        { text: String(n), x: 300, y: 40, size: 9 },
      ]),
    });
    const layout = layoutParagraphs([
      page(1, ['The ministry said the programme would', 'continue for another']),
      page(2, ['three years at least.', '', 'A review is due in 2026.']),
    ]);
    assert.deepEqual(layout.paragraphs, [
      { text: 'The ministry said the programme would continue for another three years at least.', page: 1 },
      { text: 'A review is due in 2026.', page: 2 },
    ]);
  });
});

describe('PDF documents', () => {
  test('GIVEN a report PDF THEN paragraphs come in reading order with their pages, the metadata title and creation date', async () => {
    const [article] = await parseInput({
      name: 'reports/harbour-q1.pdf',
      bytes: await report({ title: 'Harbour report Q1' }),
    });
    assert.equal(article!.id, 'harbour-q1');
    assert.equal(article!.title, 'Harbour report Q1');
    assert.equal(article!.date, '2024-03-05');
    assert.equal(
      article!.paragraphs[0],
      'The harbour authority counted 412 vessels in the first quarter, a rise that officials attributed to new ferry routes and a recovery in freight traffic.',
    );
    assert.equal(article!.paragraphs[2], 'Fishing crews reported lower catches as water temperatures rose.');
    assert.deepEqual(article!.pages, [1, 1, 1, 1, 2, 2]);
    assert.ok(
      !article!.paragraphs.some((p) => /Quarterly Report|^\d+$/.test(p)),
      'running header and page numbers are not paragraphs',
    );
  });

  test('GIVEN no metadata title THEN the first heading is the title, and the bytes alone say it is a PDF', async () => {
    const [article] = await parseInput({ name: 'upload', bytes: await report() });
    assert.equal(article!.title, 'Quarterly harbour review');
  });

  test('GIVEN a scanned PDF without a text layer THEN document_no_text says to OCR it', async () => {
    await rejectsWith(
      parseInput({ name: 'scan.pdf', bytes: await makeScannedPdf() }),
      'document_no_text',
      /scan\.pdf has no text layer .*OCR/,
    );
  });

  test('GIVEN a password-protected PDF THEN document_encrypted says to save an unprotected copy', async () => {
    const doc = await PDFDocument.load(await report());
    // A standard security handler whose user password is not empty: PDF.js needs the password.
    const encrypt = doc.context.obj({
      Filter: 'Standard',
      V: 1,
      R: 2,
      O: PDFHexString.of('a'.repeat(64)),
      U: PDFHexString.of('b'.repeat(64)),
      P: -4,
    });
    doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
    doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('c'.repeat(32)), PDFHexString.of('c'.repeat(32))]);
    const bytes = await doc.save({ useObjectStreams: false });
    await rejectsWith(
      parseInput({ name: 'locked.pdf', bytes }),
      'document_encrypted',
      /locked\.pdf is a password-protected PDF/,
    );
  });

  test('GIVEN a truncated or fake PDF THEN document_corrupt names the file', async () => {
    const whole = await report();
    await rejectsWith(
      parseInput({ name: 'cut.pdf', bytes: new TextEncoder().encode('%PDF-1.7\nnothing else') }),
      'document_corrupt',
      /cut\.pdf is not a readable PDF/,
    );
    await rejectsWith(
      parseInput({ name: 'half.pdf', bytes: whole.subarray(0, 200) }),
      'document_corrupt',
      /half\.pdf is not a readable PDF/,
    );
  });

  test('GIVEN a PDF over the size limit THEN input_too_large names the limit and the setting', async () => {
    const bytes = await report();
    await rejectsWith(
      parseInput({ name: 'big.pdf', bytes }, { maxBytes: 1024 }),
      'input_too_large',
      /big\.pdf is [\d.]+ KiB, over the 1 KiB limit .*MAX_ARTICLE_BYTES/,
    );
  });

  test('GIVEN a PDF sent to the parse worker THEN it is read off the main thread with its pages', async () => {
    const parser = new OffThreadParser();
    try {
      const [article] = await parser.parse(
        { name: 'harbour.pdf', bytes: await report() },
        { maxBytes: 5 * 1024 * 1024 },
      );
      assert.deepEqual(article!.pages, [1, 1, 1, 1, 2, 2]);
    } finally {
      await parser.close();
    }
  });
});

describe('Word documents', () => {
  test('GIVEN a .docx THEN its paragraphs are read, the header is left out, title and date come from its properties', async () => {
    const bytes = await makeDocx({
      title: 'Council minutes',
      created: new Date('2024-02-01T09:00:00Z'),
      heading: 'Minutes of the council',
      header: 'CONFIDENTIAL DRAFT',
      paragraphs: ['The council met on Tuesday.', 'It voted 7 to 2 for the new bridge.'],
    });
    const [article] = await parseInput({ name: 'minutes.docx', bytes });
    assert.equal(article!.title, 'Council minutes');
    assert.equal(article!.date, '2024-02-01');
    assert.deepEqual(article!.paragraphs, ['The council met on Tuesday.', 'It voted 7 to 2 for the new bridge.']);
    assert.equal(article!.pages, undefined);
  });

  test('GIVEN a .docx without a title property THEN the Title paragraph is the title', async () => {
    const [article] = await parseInput({
      name: 'memo.docx',
      bytes: await makeDocx({ heading: 'Bridge vote memo', paragraphs: ['The vote was close.'] }),
    });
    assert.equal(article!.title, 'Bridge vote memo');
  });

  test('GIVEN a .docx that is not a ZIP, or an OLE (password-protected) file THEN a clear error says which', async () => {
    await rejectsWith(
      parseInput({ name: 'broken.docx', bytes: new TextEncoder().encode('not a zip at all') }),
      'document_corrupt',
      /broken\.docx is not a readable Word document/,
    );
    const ole = new Uint8Array(512);
    ole.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    await rejectsWith(
      parseInput({ name: 'locked.docx', bytes: ole }),
      'document_encrypted',
      /locked\.docx is password-protected/,
    );
  });
});

describe('ingesting documents', () => {
  let t: TestEngine;
  let dir: string;
  before(async () => {
    t = await openTestEngine({ env: { EMBEDDING_MODEL: 'keyword' } });
    dir = mkdtempSync(join(tmpdir(), 'citebot-docs-'));
    writeFileSync(join(dir, 'harbour.pdf'), await report({ title: 'Harbour report Q1' }));
    writeFileSync(
      join(dir, 'minutes.docx'),
      await makeDocx({
        title: 'Council minutes',
        paragraphs: ['The council voted 7 to 2 for the new bridge over the river.'],
      }),
    );
  });
  after(() => t.cleanup());

  test('GIVEN a folder with a PDF and a .docx THEN both are ingested and the answer cites the PDF page', async () => {
    const { outcomes, skipped } = await t.engine.ingestPaths([dir], LIBRARY_COLLECTION);
    assert.deepEqual(skipped, []);
    assert.deepEqual(outcomes.map((o) => o.articleId).sort(), ['harbour', 'minutes']);
    const result = await t.engine.ask('When did the new pilot station open?', { collections: [LIBRARY_COLLECTION] });
    const top = result.passages[0]!;
    assert.match(top.text, /pilot station opened in May/);
    assert.equal(top.citation.page, 2);
    assert.equal(top.citation.page_paragraph, 1);
    assert.match(formatCitation(top.citation), /Harbour report Q1 · 2024-03-05 · page 2, paragraph 1/);
  });
});
