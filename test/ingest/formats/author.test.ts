/**
 * The article's author, from every format that names one (HTML meta or byline, JSON and front
 * matter, PDF and Word metadata), and how citations show it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCitation as discordCitation } from '../../../src/bot/views/answer.ts';
import { formatCitation as textCitation } from '../../../src/format/text.ts';
import { cleanAuthor } from '../../../src/ingest/formats/common.ts';
import { parseInput } from '../../../src/ingest/parse.ts';
import type { Citation } from '../../../src/types.ts';
import { column, makeDocx, makePdf } from '../../helpers/documents.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const authorOf = async (name: string, content: string | Uint8Array) =>
  (await parseInput({ name, bytes: typeof content === 'string' ? bytes(content) : content }))[0]!.author ?? null;

const BODY =
  '<p>The bridge reopened on Monday after fourteen months of repairs costing three million euros in total.</p>' +
  '<p>Residents said the detour through the industrial estate had added twenty minutes to every trip.</p>';

describe('cleanAuthor', () => {
  test('GIVEN bylines as sites write them THEN the name is kept and "By", RSS mail addresses and links are dropped', () => {
    assert.equal(cleanAuthor('  By   Ana  Ruiz '), 'Ana Ruiz');
    assert.equal(cleanAuthor('desk@city.example (Mara Olsen)'), 'Mara Olsen');
    assert.equal(cleanAuthor('https://news.example/staff/ana'), null);
    assert.equal(cleanAuthor('desk@city.example'), null);
    assert.equal(cleanAuthor('x'.repeat(121)), null, 'a paragraph is not a byline');
    assert.equal(cleanAuthor(''), null);
  });
});

describe('author from each format', () => {
  test('GIVEN an HTML page with meta author THEN it is the author; without it, the byline Readability finds', async () => {
    const page = (head: string) =>
      `<!doctype html><html><head><title>Bridge | Site</title>${head}</head><body><article><h1>Bridge</h1><p class="byline">By Tom Hill</p>${BODY}</article></body></html>`;
    assert.equal(await authorOf('a.html', page('<meta name="author" content="Ana Ruiz">')), 'Ana Ruiz');
    assert.equal(await authorOf('a.html', page('')), 'Tom Hill');
    assert.equal(
      await authorOf('a.html', page('<meta property="article:author" content="https://n.example/ana">')),
      'Tom Hill',
      'a profile link is not a name',
    );
  });

  test('GIVEN JSON and Markdown records THEN "author" is read as a name, { name } or a list', async () => {
    assert.equal(
      await authorOf('a.json', JSON.stringify({ title: 'Tram', body: 'The tram runs.', author: 'Li Wei' })),
      'Li Wei',
    );
    assert.equal(
      await authorOf(
        'a.json',
        JSON.stringify({ title: 'Tram', body: 'The tram runs.', authors: [{ name: 'Li Wei' }, 'Ana Ruiz'] }),
      ),
      'Li Wei, Ana Ruiz',
    );
    assert.equal(await authorOf('a.json', JSON.stringify({ title: 'Tram', body: 'The tram runs.' })), null);
    assert.equal(await authorOf('a.md', '---\ntitle: Tram\nauthor: Jo Park\n---\nThe tram runs on time.\n'), 'Jo Park');
  });

  test('GIVEN a PDF with an Author and a .docx with a creator THEN the metadata names the author', async () => {
    const pdf = await makePdf({
      title: 'Harbour report',
      author: 'Port Authority Press Office',
      pages: [{ lines: column(72, 700, ['The harbour handled 4,000 vessels last year.']) }],
    });
    assert.equal(await authorOf('report.pdf', pdf), 'Port Authority Press Office');
    const docx = await makeDocx({
      title: 'Press release',
      creator: 'Sam Reyes',
      paragraphs: ['The council approved 120 new homes on Tuesday.'],
    });
    assert.equal(await authorOf('release.docx', docx), 'Sam Reyes');
  });
});

describe('citations name the author', () => {
  const citation: Citation = {
    title: 'Bridge reopens',
    author: 'Mara Olsen',
    source: 'City Desk',
    date: '2024-05-06',
    url: 'https://n.example/bridge',
    article_id: 'bridge',
    paragraph: 2,
  };
  test('GIVEN a citation with an author THEN the CLI and Discord lines say "by" the author after the title', () => {
    assert.equal(
      textCitation(citation),
      'Bridge reopens · by Mara Olsen · City Desk · 2024-05-06 · paragraph 2\n    https://n.example/bridge',
    );
    assert.equal(
      discordCitation(citation),
      '— [Bridge reopens](https://n.example/bridge) · by Mara Olsen · City Desk · 2024-05-06 · ¶2',
    );
  });
  test('GIVEN a citation without an author THEN nothing is added', () => {
    const { author: _author, ...unsigned } = citation;
    assert.equal(
      discordCitation(unsigned),
      '— [Bridge reopens](https://n.example/bridge) · City Desk · 2024-05-06 · ¶2',
    );
  });
});
