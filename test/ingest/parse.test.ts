import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { UserError, type ErrorCode } from '../../src/errors.ts';
import { firstInvalidUtf8Offset } from '../../src/ingest/decode.ts';
import { normaliseDate, normaliseSection, splitGluedBrand } from '../../src/ingest/formats/common.ts';
import { articleIdFor, detectFormat, parseArticles, slugify, type ArticleInput } from '../../src/ingest/parse.ts';
import type { Article } from '../../src/types.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (name: string, text: string, extra: Partial<ArticleInput> = {}): Article[] =>
  parseArticles({ name, bytes: enc(text), ...extra });
const one = (name: string, text: string, extra: Partial<ArticleInput> = {}): Article => {
  const articles = parse(name, text, extra);
  assert.equal(articles.length, 1);
  return articles[0]!;
};

/** Asserts a UserError with this code whose message matches every pattern. */
function throwsUser(fn: () => unknown, code: ErrorCode, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.doesNotMatch(e.message, /^citebot:/, 'messages carry no prefix; the CLI adds it');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
describe('seed article examples/articles/000_8e2903e39626057e.txt', () => {
  const path = 'examples/articles/000_8e2903e39626057e.txt';
  const articles = parseArticles({ name: path, bytes: readFileSync(path) });
  const a = articles[0]!;
  const all = a.paragraphs.join('\n');

  test('GIVEN the seed article THEN it yields exactly one article', () => {
    assert.equal(articles.length, 1);
  });
  test('GIVEN the seed article THEN the title is the first real line after the header', () => {
    assert.equal(a.title, "President Tokayev: Kazakhstan unrest was attempted coup d'etat");
  });
  test('GIVEN the header "date 2022-01-10 WORLD" THEN date is 2022-01-10 and section is title-cased "World"', () => {
    assert.equal(a.date, '2022-01-10');
    assert.equal(a.section, 'World');
  });
  test('GIVEN "SOURCE:TRTWorld and agencies" THEN source is "TRT World and agencies"', () => {
    assert.equal(a.source, 'TRT World and agencies');
  });
  test('GIVEN a file THEN id is the file name without extension and url is null', () => {
    assert.equal(a.id, '000_8e2903e39626057e');
    assert.equal(a.url, null);
  });
  test('GIVEN the seed article THEN there are 13 paragraphs: the standfirst, then the body from its exact first to its exact last', () => {
    assert.equal(a.paragraphs.length, 13);
    assert.equal(
      a.paragraphs[0],
      'Nearly 8,000 people have been detained in Kazakhstan after days of historic unrest left more than 160 people dead.',
    );
    assert.equal(
      a.paragraphs[1],
      'Kazakhstan President Kassym-Jomart Tokayev has described days of historic unrest in his Central Asian country as a coup attempt and vowed his security services would never shoot peaceful protesters.',
    );
    assert.equal(
      a.paragraphs.at(-1),
      'Ex-Soviet Kazakhstan has been left reeling in the wake of unprecedented unrest that erupted earlier this month in the midst of protests over a fuel price hike in the west of the country.',
    );
  });
  test('GIVEN the seed article THEN the detention figure is in a paragraph', () => {
    assert.ok(a.paragraphs.some((p) => p.includes('7,939 people have been detained')));
  });
  test('GIVEN the seed article THEN READ MORE lines are dropped', () => {
    assert.doesNotMatch(all, /READ MORE/i);
    assert.doesNotMatch(all, /who’s who of the unrest/);
  });
  test('GIVEN the seed article THEN the Explore list, Sneak a peek and Contact us are dropped', () => {
    for (const s of ['Explore', 'Nvidia', 'Sneak a peek', 'Contact us', 'SOURCE']) assert.ok(!all.includes(s), s);
  });
  test('GIVEN the seed article THEN the reading time, photo credit and date line are dropped', () => {
    assert.ok(!all.includes('3 MIN READ'));
    assert.ok(!all.includes('/ AA'));
    assert.ok(!a.paragraphs.includes('January 10, 2022'));
  });
  test('GIVEN the title repeated in the preamble THEN no paragraph is the title', () => {
    assert.ok(!a.paragraphs.includes(a.title));
  });
  test('GIVEN the subheading "Nearly 8,000 detained" THEN it is not a paragraph', () => {
    assert.ok(!a.paragraphs.includes('Nearly 8,000 detained'));
  });
  test('GIVEN the standfirst whose death toll no body paragraph states THEN it is kept, once, as the first paragraph', () => {
    assert.equal(a.paragraphs.filter((p) => p.includes('left more than 160 people dead')).length, 1);
    assert.ok(a.paragraphs[0]!.includes('160 people dead'));
  });
  test('GIVEN the photo caption duplicating a body paragraph THEN it appears once, in body position', () => {
    const mourning = a.paragraphs.filter((p) => p.startsWith('Kazakhstan on Monday was observing'));
    assert.equal(mourning.length, 1);
    assert.ok(a.paragraphs.indexOf(mourning[0]!) > 5);
  });
  test('GIVEN the seed article THEN paragraphs are whitespace-normalised plain text', () => {
    for (const p of a.paragraphs) {
      assert.equal(p, p.trim());
      assert.doesNotMatch(p, /\s{2,}|\n|\u00a0/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('plain text', () => {
  test('GIVEN text without the header THEN the first line is the title and blank lines split paragraphs', () => {
    const a = one(
      'notes/city-budget.txt',
      'City passes budget\n\nThe council voted 7-2 on Tuesday\nto pass the budget.\n\nThe mayor said she was pleased.\n',
    );
    assert.equal(a.title, 'City passes budget');
    assert.deepEqual(a.paragraphs, [
      'The council voted 7-2 on Tuesday to pass the budget.',
      'The mayor said she was pleased.',
    ]);
    assert.equal(a.id, 'city-budget');
    assert.equal(a.date, null);
    assert.equal(a.section, null);
    assert.equal(a.source, null);
  });

  test('GIVEN header-less text with READ MORE and SOURCE lines THEN they are furniture and SOURCE gives the source', () => {
    const a = one(
      'x.txt',
      'Title here\n\nBody one is here.\n\nREAD MORE: Something else\n\nBody two is here.\n\nSOURCE: BBCNews\nExplore\nOther story\n',
    );
    assert.deepEqual(a.paragraphs, ['Body one is here.', 'Body two is here.']);
    assert.equal(a.source, 'BBC News');
  });

  test('GIVEN a header without a date THEN a standalone date line fills the date and is dropped', () => {
    const a = one('y.txt', 'date  BUSINESS\nHeadline\n10 March 2021\n\nFirst paragraph text.\n');
    assert.equal(a.title, 'Headline');
    assert.equal(a.section, 'Business');
    assert.equal(a.date, '2021-03-10');
    assert.deepEqual(a.paragraphs, ['First paragraph text.']);
  });

  test('GIVEN header-less text with a dateline under the title THEN it fills the date', () => {
    const a = one('p.txt', 'Headline\nJan. 5, 2023\n\nFirst paragraph text.\n');
    assert.equal(a.date, '2023-01-05');
    assert.deepEqual(a.paragraphs, ['First paragraph text.']);
  });

  test('GIVEN a header with a date THEN the header date wins over a date line', () => {
    const b = one(
      'z.txt',
      '  date 2021-03-03 US POLITICS\n2 MIN READ\nHeadline\nThursday, March 4, 2021\n\nFirst paragraph text.\n',
    );
    assert.equal(b.title, 'Headline');
    assert.equal(b.date, '2021-03-03');
    assert.equal(b.section, 'US Politics');
    assert.deepEqual(b.paragraphs, ['First paragraph text.']);
  });

  test('GIVEN a body line ending in an agency credit THEN the credit is removed; other " / X" endings stay', () => {
    const a = one(
      'c.txt',
      'date 2022-01-10 WORLD\nTitle\n\nProtesters gather in Almaty. / Reuters\n\nTrains run between Paris / Lyon, officials said.\n',
    );
    assert.deepEqual(a.paragraphs, [
      'Protesters gather in Almaty.',
      'Trains run between Paris / Lyon, officials said.',
    ]);
  });
  test('GIVEN a standfirst that adds information THEN it is kept as the first paragraph', () => {
    const a = one(
      's.txt',
      'date 2022-01-10 WORLD\nTitle\nA different summary sentence about the budget vote.\n\nThe mayor resigned on Monday.\n',
    );
    assert.deepEqual(a.paragraphs, [
      'A different summary sentence about the budget vote.',
      'The mayor resigned on Monday.',
    ]);
  });

  test('GIVEN a long "Source: …" sentence in the body THEN it is text, not the end of the article', () => {
    const long =
      'Source: officials at the ministry, who spoke on condition of anonymity, said the plan would be delayed until next year at least.';
    const a = one('l.txt', `T\n\n${long}\n\nLast paragraph.\n`);
    assert.deepEqual(a.paragraphs, [long, 'Last paragraph.']);
    assert.equal(a.source, null);
  });
  test('GIVEN a URL as name and url THEN the id comes from the URL path and url is kept for text', () => {
    const a = one('https://news.example/world/kazakh-unrest.txt?utm=1', 'Title\n\nBody.\n', {
      url: 'https://news.example/world/kazakh-unrest.txt',
    });
    assert.equal(a.id, 'kazakh-unrest');
    assert.equal(a.url, 'https://news.example/world/kazakh-unrest.txt');
  });
  test('GIVEN pasted text THEN the id is a slug of the title plus a short hash', () => {
    const a = one('pasted', 'Mayor Resigns After Vote!\n\nThe mayor resigned on Monday.\n');
    assert.match(a.id, /^mayor-resigns-after-vote-[0-9a-f]{8}$/);
    const b = one('-', 'Mayor Resigns After Vote!\n\nA different body.\n');
    assert.notEqual(a.id, b.id);
  });

  test('GIVEN a first line that is a long paragraph THEN the title is its first sentence and the text stays', () => {
    const long = `The council met on Tuesday. ${'It discussed many things at length. '.repeat(6)}`;
    const a = one('-', `${long}\n\nSecond paragraph.\n`);
    assert.equal(a.title, 'The council met on Tuesday.');
    assert.equal(a.paragraphs.length, 2);
  });
});

// ---------------------------------------------------------------------------------------------
describe('markdown', () => {
  test('GIVEN front matter THEN id, title, date, source, section and url come from it', () => {
    const a = one(
      'story.md',
      [
        '---',
        'id: budget-2024',
        'title: "Council passes *budget*"',
        'date: 2024-03-05',
        'source: The Daily',
        'section: local news',
        'link: https://daily.example/budget',
        '---',
        '',
        '# Council passes budget',
        '',
        'The council **voted** 7-2 to pass the [budget](https://daily.example/b "the budget").',
        '',
        '## What happens next',
        '',
        'Spending starts in `April`. ![chart](chart.png)',
        '',
        '<!-- editor note: check figures -->',
        '- First item with _emphasis_',
        '- Second item',
      ].join('\n'),
    );
    assert.equal(a.id, 'budget-2024');
    assert.equal(a.title, 'Council passes budget');
    assert.equal(a.date, '2024-03-05');
    assert.equal(a.source, 'The Daily');
    assert.equal(a.section, 'local news');
    assert.equal(a.url, 'https://daily.example/budget');
    assert.deepEqual(a.paragraphs, [
      'The council voted 7-2 to pass the budget.',
      'Spending starts in April.',
      'First item with emphasis',
      'Second item',
    ]);
  });

  test('GIVEN a YAML timestamp or ISO date-time THEN date is YYYY-MM-DD', () => {
    const a = one('t.md', '---\ntitle: T\npublished: 2024-03-05T23:10:00-05:00\nauthor: Jane Doe\n---\nBody text.\n');
    assert.equal(a.date, '2024-03-05');
    assert.equal(a.source, 'Jane Doe');
    const b = one('u.md', '---\ntitle: T\ndate: "March 5, 2024"\n---\nBody text.\n');
    assert.equal(b.date, '2024-03-05');
  });

  test('GIVEN list items and a wrapped line starting "2024." THEN items split but the wrapped line does not', () => {
    const a = one(
      'l.md',
      '# T\n\nThe plan was approved in\n2024. It starts soon.\n\n1. First step.\n2. Second step.\n- Bullet\n',
    );
    assert.deepEqual(a.paragraphs, [
      'The plan was approved in 2024. It starts soon.',
      'First step.',
      'Second step.',
      'Bullet',
    ]);
  });

  test('GIVEN blank lines before the front matter THEN it is still read', () => {
    const a = one('lead.md', '\n\n---\ntitle: Lead blank\n---\nBody.\n');
    assert.equal(a.title, 'Lead blank');
    assert.deepEqual(a.paragraphs, ['Body.']);
  });

  test('GIVEN markdown without front matter THEN the first # heading is the title and subheadings are dropped', () => {
    const a = one(
      'plain.md',
      '# Storm hits coast\n\nWinds reached [120 km/h](http://x.example).\n\n### Damage\n\nRoofs were *torn* off.\n',
    );
    assert.equal(a.title, 'Storm hits coast');
    assert.deepEqual(a.paragraphs, ['Winds reached 120 km/h.', 'Roofs were torn off.']);
    assert.equal(a.id, 'plain');
  });

  test('GIVEN a long line full of unmatched * and [ THEN stripping stays fast (no quadratic regex)', () => {
    const started = Date.now();
    const a = one('slow.md', `# T\n\n${'a *b [c '.repeat(15000)}`);
    assert.equal(a.paragraphs.length, 1);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  test('GIVEN invalid YAML front matter THEN parse_failed says so', () => {
    throwsUser(() => parse('bad.md', '---\ntitle: [unclosed\n---\nBody.\n'), 'parse_failed', /bad\.md/, /YAML/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('html', () => {
  const page = `<!doctype html>
<html><head>
<title>Storm closes schools | The Daily</title>
<meta property="og:site_name" content="The Daily">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<meta property="article:section" content="Weather">
<link rel="canonical" href="/news/storm">
</head><body>
<header class="site-header"><a href="/">The Daily</a></header>
<nav><a href="/">Home</a> <a href="/world">World news and more</a></nav>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies to keep reading.</p></div>
<main><article>
<h1>Storm closes schools</h1>
<p>A winter storm closed every school in the county on Tuesday, officials said, as snow fell for a second day.</p>
<h2>Roads shut</h2>
<p>Police shut the main highway after several crashes, and asked drivers to stay at home until Wednesday.</p>
<figure><img src="x.jpg"><figcaption>Snow on Main Street. Photo: J. Doe</figcaption></figure>
<ul><li>Buses will not run.</li><li>Libraries stay open.</li></ul>
<blockquote><p>"We have not seen snow like this in decades," the mayor said.</p></blockquote>
<p>Forecasters expect the storm to ease by Thursday morning, with temperatures rising above freezing.</p>
</article></main>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Floods last spring hit the same county</a></li></ul></aside>
<footer><p>Copyright 2024 The Daily. All rights reserved.</p><p>Contact us</p></footer>
</body></html>`;
  const a = one('storm.html', page, { url: 'https://daily.example/news/storm?utm=x' });
  const all = a.paragraphs.join('\n');

  test('GIVEN an HTML page THEN Readability paragraphs are kept in order', () => {
    assert.equal(
      a.paragraphs[0],
      'A winter storm closed every school in the county on Tuesday, officials said, as snow fell for a second day.',
    );
    assert.ok(a.paragraphs.includes('Buses will not run.'));
    assert.ok(a.paragraphs.includes('"We have not seen snow like this in decades," the mayor said.'));
    assert.equal(
      a.paragraphs.at(-1),
      'Forecasters expect the storm to ease by Thursday morning, with temperatures rising above freezing.',
    );
  });
  test('GIVEN nav, cookie banner, related aside and footer THEN none of them is in paragraphs', () => {
    for (const s of ['Home', 'cookies', 'Related', 'Floods last spring', 'Copyright', 'Contact us'])
      assert.ok(!all.includes(s), s);
  });
  test('GIVEN h2 subheadings and figure captions THEN they are not paragraphs', () => {
    assert.ok(!all.includes('Roads shut'));
    assert.ok(!all.includes('Snow on Main Street'));
  });
  test('GIVEN meta tags THEN source, date and section come from them and the title loses its " | Site" suffix', () => {
    assert.equal(a.title, 'Storm closes schools');
    assert.equal(a.source, 'The Daily');
    assert.equal(a.date, '2024-03-05');
    assert.equal(a.section, 'Weather');
  });
  test('GIVEN a relative canonical link THEN url is resolved against the page url', () => {
    assert.equal(a.url, 'https://daily.example/news/storm');
    assert.equal(a.id, 'storm');
  });
  test('GIVEN og:title and og:url, no canonical THEN they are used; source falls back to the host name', () => {
    const b = one(
      'page.htm',
      `<html><head><meta property="og:title" content="Real headline - with dash"><meta property="og:url" content="https://www.news.example/x">
      <title>Other | Site</title></head><body><time datetime="2023-07-01">July 1</time><p>Only paragraph of this page, long enough to count as text.</p></body></html>`,
    );
    assert.equal(b.title, 'Real headline - with dash');
    assert.equal(b.url, 'https://www.news.example/x');
    assert.equal(b.source, 'news.example');
    assert.equal(b.date, '2023-07-01');
  });
  test('GIVEN JSON-LD metadata and no meta tags THEN Readability supplies the date and site name', () => {
    const ld = JSON.stringify({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: 'LD headline',
      datePublished: '2021-11-02T08:00:00Z',
      publisher: { '@type': 'Organization', name: 'LD News' },
    });
    const b = one(
      'ld.html',
      `<html><head><script type="application/ld+json">${ld}</script></head><body><article><p>Body paragraph of a JSON-LD page, with enough words in it.</p></article></body></html>`,
    );
    assert.equal(b.date, '2021-11-02');
    assert.equal(b.title, 'LD headline');
    assert.equal(b.source, 'LD News');
  });
  test('GIVEN pasted HTML without extension THEN it is sniffed as HTML', () => {
    const b = one(
      '-',
      '<!DOCTYPE html><html><head><title>Pasted page</title></head><body><p>Pasted body text.</p></body></html>',
    );
    assert.equal(b.title, 'Pasted page');
    assert.deepEqual(b.paragraphs, ['Pasted body text.']);
  });
  test('GIVEN a div-only page with <br> text and a consent box THEN paragraphs come from the text, not the box', () => {
    const b = one(
      'br.html',
      `<html><head><title>BR page</title></head><body><div id="content">First line of text that is long enough.<br><br>Second line, also long enough to count.</div>
      <div class="consent-box"><p>We value your privacy. Accept cookies to continue.</p></div></body></html>`,
    );
    assert.deepEqual(b.paragraphs, [
      'First line of text that is long enough.',
      'Second line, also long enough to count.',
    ]);
  });
  test('GIVEN <br> and minified block edges inside a paragraph THEN words are not glued together', () => {
    const b = one(
      'glue.html',
      '<html><head><title>G</title></head><body><article><p>Line one<br>line two, and <b>bold</b>ish text.</p></article></body></html>',
    );
    assert.deepEqual(b.paragraphs, ['Line one line two, and boldish text.']);
    const c = one(
      'glue.json',
      JSON.stringify({ title: 'G', body: '<blockquote><div>Cell a</div><div>cell b.</div></blockquote>' }),
    );
    assert.deepEqual(c.paragraphs, ['Cell a cell b.']);
  });
  test('GIVEN an HTML fragment without any title THEN the title is its first sentence', () => {
    const b = one('frag.html', '<div><p>Fragment only. More text.</p></div>');
    assert.equal(b.title, 'Fragment only.');
    assert.deepEqual(b.paragraphs, ['Fragment only. More text.']);
  });
  test('GIVEN an HTML page with only navigation THEN empty_article names the file', () => {
    throwsUser(
      () =>
        parse('nav.html', '<html><head><title>Nav</title></head><body><nav><a href="/">Home</a></nav></body></html>'),
      'empty_article',
      /nav\.html/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('json and ndjson', () => {
  test('GIVEN a single JSON record THEN it is one article with the file base name as id', () => {
    const a = one(
      'feed/one.json',
      JSON.stringify({
        title: 'T',
        date: '2024-01-02T03:04:05Z',
        source: 'AFP',
        url: 'https://x.example/t',
        body: 'Para one\nwrapped.\n\nPara two.',
      }),
    );
    assert.equal(a.id, 'one');
    assert.equal(a.date, '2024-01-02');
    assert.equal(a.source, 'AFP');
    assert.equal(a.url, 'https://x.example/t');
    assert.deepEqual(a.paragraphs, ['Para one wrapped.', 'Para two.']);
  });
  test('GIVEN a JSON array without ids THEN ids are <basename>-<n>; an explicit id wins', () => {
    const as = parse(
      'batch.json',
      JSON.stringify([
        { title: 'A', paragraphs: ['a1', 'a2'] },
        { id: 'custom-7', title: 'B', text: 'b1' },
        { title: 'C', content: 'c1' },
      ]),
    );
    assert.deepEqual(
      as.map((x) => x.id),
      ['batch-1', 'custom-7', 'batch-3'],
    );
    assert.deepEqual(as[0]!.paragraphs, ['a1', 'a2']);
  });
  test('GIVEN {"articles": [...]} THEN each record is an article', () => {
    const as = parse(
      'wrap.json',
      JSON.stringify({
        articles: [
          { title: 'A', body: 'x' },
          { title: 'B', body: '<p>html one</p><p>html two</p>' },
        ],
      }),
    );
    assert.equal(as.length, 2);
    assert.deepEqual(as[1]!.paragraphs, ['html one', 'html two']);
  });
  test('GIVEN a JSON record without a title THEN parse_failed names the record', () => {
    throwsUser(
      () =>
        parse(
          'batch.json',
          JSON.stringify([
            { title: 'A', body: 'x' },
            { id: 'n2', body: 'y' },
          ]),
        ),
      'parse_failed',
      /record 2 in batch\.json/,
      /"n2"/,
      /title/,
    );
  });
  test('GIVEN invalid JSON THEN parse_failed gives the line and column', () => {
    throwsUser(
      () => parse('broken.json', '{\n  "title": "A",\n  "body": "x",\n}'),
      'parse_failed',
      /broken\.json/,
      /line 4, column 1/,
    );
  });
  test('GIVEN NDJSON with blank lines THEN one article per record', () => {
    const as = parse('feed.ndjson', '{"title":"A","body":"a"}\n\n{"title":"B","paragraphs":["b"]}\n');
    assert.deepEqual(
      as.map((x) => [x.id, x.title]),
      [
        ['feed-1', 'A'],
        ['feed-2', 'B'],
      ],
    );
  });
  test('GIVEN NDJSON with a bad line THEN parse_failed gives its line number', () => {
    throwsUser(
      () => parse('feed.ndjson', '{"title":"A","body":"a"}\n\n{"title": "B", body}\n'),
      'parse_failed',
      /feed\.ndjson line 3 /,
    );
  });
  test('GIVEN pasted NDJSON THEN it is sniffed and ids are title slugs with a hash', () => {
    const as = parse('pasted', '{"title":"First one","body":"a"}\n{"title":"Second one","body":"b"}\n');
    assert.equal(as.length, 2);
    assert.match(as[0]!.id, /^first-one-[0-9a-f]{8}$/);
  });
  test('GIVEN two records with the same id THEN duplicate_id names it', () => {
    throwsUser(
      () =>
        parse(
          'dup.json',
          JSON.stringify([
            { id: 'x', title: 'A', body: 'a' },
            { id: 'x', title: 'B', body: 'b' },
          ]),
        ),
      'duplicate_id',
      /same id "x"/,
    );
  });
  test('GIVEN a record whose paragraphs are empty THEN empty_article names the record', () => {
    throwsUser(
      () => parse('e.json', JSON.stringify([{ title: 'A', paragraphs: ['  ', ''] }])),
      'empty_article',
      /record 1 in e\.json/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('input checks', () => {
  test('GIVEN PNG magic bytes THEN binary_input names a PNG image and the supported formats', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
    throwsUser(
      () => parseArticles({ name: 'photo.png', bytes: png }),
      'binary_input',
      /photo\.png is not a text article \(a PNG image\)/,
      /supported: \.txt \.md \.html \.json \.ndjson/,
    );
  });
  test('GIVEN random bytes with NULs THEN binary_input says binary data', () => {
    const bytes = new Uint8Array(256).map((_, i) => (i * 37 + 11) % 256);
    bytes[3] = 0;
    throwsUser(() => parseArticles({ name: 'blob.txt', bytes }), 'binary_input', /blob\.txt/, /binary data/);
  });
  test('GIVEN a .pdf or .docx file THEN the binary sniffing names the document type', () => {
    throwsUser(
      () => parseArticles({ name: 'report.pdf', bytes: enc('%PDF-1.7\n%âãÏÓ\n1 0 obj') }),
      'binary_input',
      /a PDF document/,
    );
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 6, 0, 8, 0]);
    throwsUser(
      () => parseArticles({ name: 'story.docx', bytes: zip }),
      'binary_input',
      /story\.docx is not a text article \(a Word document\)/,
    );
  });
  test('GIVEN a text that happens to start like a weak signature ("MZ", "ID3") THEN it is still text', () => {
    const a = one('mz.txt', 'MZ Wallace opens a store\n\nThe bag maker opened its first shop.\n');
    assert.equal(a.title, 'MZ Wallace opens a store');
    throwsUser(
      () => parseArticles({ name: 'app.exe.txt', bytes: new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0]) }),
      'binary_input',
      /a Windows executable/,
    );
  });
  test('GIVEN input one byte over the limit THEN the message shows exact byte counts', () => {
    throwsUser(
      () => parseArticles({ name: 'edge.txt', bytes: enc('x'.repeat(1025)) }, { maxBytes: 1024 }),
      'input_too_large',
      /1,025 bytes, over the 1,024 bytes limit/,
    );
  });
  test('GIVEN a text file with an unsupported extension THEN unsupported_format lists what is supported', () => {
    throwsUser(() => parse('data.csv', 'a,b\n1,2\n'), 'unsupported_format', /data\.csv/, /\.csv/, /supported: \.txt/);
  });
  test('GIVEN invalid UTF-8 THEN invalid_utf8 gives the byte offset and suggests converting', () => {
    const bytes = new Uint8Array([...enc('Caf'), 0xe9, ...enc(' au lait\n\nBody.')]);
    throwsUser(() => parseArticles({ name: 'latin1.txt', bytes }), 'invalid_utf8', /latin1\.txt/, /offset 3/, /UTF-8/);
  });
  test('GIVEN UTF-16 text THEN invalid_utf8 says to save it as UTF-8', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x54, 0x00, 0x69, 0x00]);
    throwsUser(() => parseArticles({ name: 'u16.txt', bytes }), 'invalid_utf8', /UTF-16/);
  });
  test('GIVEN input over the size limit THEN input_too_large gives the size, the limit and MAX_ARTICLE_BYTES', () => {
    throwsUser(
      () => parseArticles({ name: 'big.txt', bytes: enc('x'.repeat(2048)) }, { maxBytes: 1024 }),
      'input_too_large',
      /big\.txt is 2 KiB/,
      /1 KiB limit/,
      /MAX_ARTICLE_BYTES/,
    );
  });
  test('GIVEN a title with no body THEN empty_article names the file', () => {
    throwsUser(() => parse('title-only.txt', 'Just a title\n'), 'empty_article', /title-only\.txt/);
    throwsUser(() => parse('blank.txt', '\n  \n'), 'empty_article', /blank\.txt is empty/);
  });
  test('GIVEN a UTF-8 BOM and CRLF line endings THEN both are handled', () => {
    const a = one('win.txt', '\uFEFFWindows title\r\n\r\nLine one\r\ncontinues.\r\n\r\nSecond.\r\n');
    assert.equal(a.title, 'Windows title');
    assert.deepEqual(a.paragraphs, ['Line one continues.', 'Second.']);
  });
  test('GIVEN exact duplicate paragraphs THEN only the first is kept', () => {
    const a = one('d.txt', 'T\n\nSame paragraph.\n\nOther paragraph.\n\nSame   paragraph.\n');
    assert.deepEqual(a.paragraphs, ['Same paragraph.', 'Other paragraph.']);
  });
  test('GIVEN an explicit format THEN it overrides the extension', () => {
    const a = one('notes.txt', '# Heading title\n\nBody with [link](http://x).', { format: 'markdown' });
    assert.equal(a.title, 'Heading title');
    assert.deepEqual(a.paragraphs, ['Body with link.']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('detectFormat, ids and helpers', () => {
  test('GIVEN known extensions THEN the format follows the extension', () => {
    assert.equal(detectFormat('a.TXT', '{'), 'text');
    assert.equal(detectFormat('a.markdown', ''), 'markdown');
    assert.equal(detectFormat('a.htm', ''), 'html');
    assert.equal(detectFormat('a.jsonl', ''), 'ndjson');
  });
  test('GIVEN stdin or an unknown extension THEN the content is sniffed', () => {
    assert.equal(detectFormat('-', '  [{"title":"a"}]'), 'json');
    assert.equal(detectFormat('-', '{\n "title": "a"\n}'), 'json');
    assert.equal(detectFormat('-', '{"a":1}\n{"a":2}'), 'ndjson');
    assert.equal(detectFormat('pasted', '<!doctype html><p>x'), 'html');
    assert.equal(detectFormat('story.article', '<html lang="en">'), 'html');
    assert.equal(detectFormat('-', '---\ntitle: x\n---\nbody'), 'markdown');
    assert.equal(detectFormat('-', '# Title\n\nbody'), 'markdown');
    assert.equal(detectFormat('README', 'date 2022-01-10 WORLD\nTitle'), 'text');
    assert.equal(detectFormat('odd.constructor', 'Title'), 'text'); // no prototype lookups
  });
  test('GIVEN ids THEN slugs are lowercase [a-z0-9-_.] and at most 80 chars', () => {
    assert.equal(slugify('Ça va? Crème brûlée — 2024!'), 'ca-va-creme-brulee-2024');
    const long = articleIdFor('-', 'word '.repeat(40));
    assert.ok(long.length <= 80, long);
    assert.match(long, /^[a-z0-9._-]+$/);
    assert.equal(articleIdFor('/tmp/My Story.TXT', 'x'), 'my-story');
    assert.equal(articleIdFor('2024.01.10-vote', 'x'), '2024.01.10-vote');
    assert.equal(articleIdFor('news.example', 'x'), 'news.example');
    assert.equal(articleIdFor('a.json', 'x', { explicitId: 'Has Spaces/Slash' }), 'has-spaces-slash');
    assert.equal(articleIdFor('a.json', 'x', { explicitId: 'AP-2024:17' }), 'AP-2024:17');
  });
  test('GIVEN the same pasted text twice THEN the id is the same (re-ingest replaces)', () => {
    const text = 'Same title\n\nSame body.\n';
    assert.equal(one('pasted', text).id, one('pasted', text).id);
  });
  test('GIVEN glued brand names THEN known brands and CAPSWord runs are split, other words left alone', () => {
    assert.equal(splitGluedBrand('TRTWorld and agencies'), 'TRT World and agencies');
    assert.equal(splitGluedBrand('AlJazeera'), 'Al Jazeera');
    assert.equal(splitGluedBrand('BBCNews, AFP'), 'BBC News, AFP');
    assert.equal(splitGluedBrand('PDFs from McDonald and iPhone NGOs'), 'PDFs from McDonald and iPhone NGOs');
  });
  test('GIVEN all-caps sections THEN they are title-cased keeping acronyms; mixed case is kept', () => {
    assert.equal(normaliseSection('WORLD'), 'World');
    assert.equal(normaliseSection('US POLITICS'), 'US Politics');
    assert.equal(normaliseSection('Middle East'), 'Middle East');
    assert.equal(normaliseSection('  '), null);
  });
  test('GIVEN date values THEN they normalise to YYYY-MM-DD or null', () => {
    assert.equal(normaliseDate(new Date(Date.UTC(2024, 2, 5))), '2024-03-05');
    assert.equal(normaliseDate('2024-03-05T23:10:00-05:00'), '2024-03-05');
    assert.equal(normaliseDate('Mon, 10 Jan 2022 12:00:00 GMT'), '2022-01-10');
    assert.equal(normaliseDate('10th January 2022'), '2022-01-10');
    assert.equal(normaliseDate('2022-02-30'), null);
    assert.equal(normaliseDate('soon'), null);
    assert.equal(normaliseDate(20220110), null);
  });
  test('GIVEN valid and invalid UTF-8 THEN firstInvalidUtf8Offset finds the first bad byte', () => {
    assert.equal(firstInvalidUtf8Offset(enc('héllo – ✓ 𝄞')), -1);
    assert.equal(firstInvalidUtf8Offset(new Uint8Array([0x61, 0xc0, 0x80])), 1); // overlong
    assert.equal(firstInvalidUtf8Offset(new Uint8Array([0x61, 0x62, 0xe2, 0x82])), 2); // truncated
    assert.equal(firstInvalidUtf8Offset(new Uint8Array([0xed, 0xa0, 0x80])), 0); // surrogate
  });
});
