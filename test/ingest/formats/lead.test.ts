/**
 * Standfirsts, deks, summaries and captions (src/ingest/formats/lead.ts): a line above the body
 * is dropped only when the body says everything it says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isRedundant, leadParagraphs } from '../../../src/ingest/formats/lead.ts';
import { parseArticles } from '../../../src/ingest/parse.ts';
import { makePassages } from '../../../src/ingest/passages.ts';
import type { Article } from '../../../src/types.ts';

const one = (name: string, text: string): Article => {
  const articles = parseArticles({ name, bytes: new TextEncoder().encode(text) });
  assert.equal(articles.length, 1);
  return articles[0]!;
};

describe('isRedundant', () => {
  const body = [
    'Nearly 8,000 people have been detained in Kazakhstan after days of historic unrest, the interior ministry said Monday.',
    'Larkfield City Council approved a $1.34 billion operating budget for 2024-25 late on Tuesday, voting 9-4 in favour after a six-hour meeting.',
  ];
  test('GIVEN a line with a figure no paragraph holds THEN it is not redundant', () => {
    assert.equal(
      isRedundant(
        'Nearly 8,000 people have been detained in Kazakhstan after days of historic unrest left more than 160 people dead.',
        body,
      ),
      false,
    );
  });
  test('GIVEN a line whose every clause one paragraph says, in other words THEN it is redundant', () => {
    assert.equal(
      isRedundant('Councillors voted 9-4 to approve the 2024-25 budget after a six-hour meeting.', body),
      true,
    );
    assert.equal(isRedundant('Nearly 8000 people have been detained in Kazakhstan.', body), true);
  });
  test('GIVEN a line naming someone the body never names THEN it is not redundant', () => {
    assert.equal(isRedundant('Mayor Ada Quist approved the budget.', body), false);
  });
  test('GIVEN two clauses said by two different paragraphs THEN the line is redundant', () => {
    assert.equal(
      isRedundant(
        'Nearly 8,000 people have been detained in Kazakhstan, while the council approved its budget for 2024-25.',
        body,
      ),
      true,
    );
  });
  test('GIVEN lines that say the same new thing twice THEN leadParagraphs keeps the first only', () => {
    const lead = leadParagraphs(
      ['More than 160 people died in the unrest.', 'In the unrest, more than 160 people died.'],
      body,
      'Title',
    );
    assert.deepEqual(lead, ['More than 160 people died in the unrest.']);
  });
});

describe('the seed article keeps every fact', () => {
  const path = 'examples/articles/000_8e2903e39626057e.txt';
  const raw = readFileSync(path, 'utf8');
  const [article] = parseArticles({ name: path, bytes: readFileSync(path) });
  const passages = makePassages(article!, {
    countTokens: (t) => Math.ceil(t.split(/\s+/).length * 1.3) + 2,
    maxTokens: 256,
  });

  test('GIVEN every sentence of the seed article before its SOURCE line THEN each stands in a passage, word for word', () => {
    const story = raw.slice(0, raw.indexOf('SOURCE:'));
    // A statement is a line ending as a sentence does; the caption loses its " / AA" credit.
    const sentences = story
      .split('\n')
      .map((line) => line.trim().replace(/\s+\/\s+AA$/, ''))
      .filter((line) => /[.!?"”]$/.test(line) && !/^READ MORE/i.test(line));
    assert.ok(sentences.length >= 14, `found ${sentences.length} sentences`);
    for (const sentence of sentences)
      assert.ok(
        passages.some((p) => p.text.includes(sentence)),
        `no passage holds: ${sentence}`,
      );
  });
  test('GIVEN the standfirst THEN it is the first passage, cited as paragraph 1', () => {
    assert.match(passages[0]!.text, /more than 160 people dead/);
    assert.equal(passages[0]!.paragraphStart, 0);
  });
});

describe('summaries in the other formats', () => {
  const body = 'The council approved the budget on Tuesday, voting 9-4 after a six-hour meeting.';
  test('GIVEN an HTML page whose meta description states a figure the body lacks THEN it is the first paragraph', () => {
    const html = `<html><head><title>Budget passes</title><meta name="description" content="The budget adds 64 firefighters to the city payroll."></head>
      <body><article><h1>Budget passes</h1><p>${body}</p><p>The mayor said she was pleased with the outcome of the long meeting.</p></article></body></html>`;
    const a = one('budget.html', html);
    assert.equal(a.paragraphs[0], 'The budget adds 64 firefighters to the city payroll.');
    assert.equal(a.paragraphs[1], body);
  });
  test('GIVEN an HTML dek that the lead paragraph restates THEN it is not repeated', () => {
    const html = `<html><head><title>Budget passes</title></head><body><article><h1>Budget passes</h1>
      <p class="dek">Councillors voted 9-4 to approve the budget after a six-hour meeting.</p><p>${body}</p>
      <p>The mayor said she was pleased with the outcome of the long meeting.</p></article></body></html>`;
    const a = one('budget.html', html);
    assert.equal(a.paragraphs.filter((p) => p.includes('9-4')).length, 1);
  });
  test('GIVEN an HTML dek outside the article with a name the body lacks THEN it is kept first', () => {
    const html = `<html><head><title>Budget passes</title></head><body><header><h1>Budget passes</h1>
      <h2 class="standfirst">Mayor Ada Quist called the vote a turning point.</h2></header><article><p>${body}</p>
      <p>The mayor said she was pleased with the outcome of the long meeting.</p></article></body></html>`;
    const a = one('budget.html', html);
    assert.equal(a.paragraphs[0], 'Mayor Ada Quist called the vote a turning point.');
  });
  test('GIVEN Markdown front matter with a summary the body lacks THEN it is the first paragraph', () => {
    const a = one(
      'budget.md',
      `---\ntitle: Budget passes\nsummary: "The budget adds **64** firefighters."\n---\n\n${body}\n`,
    );
    assert.deepEqual(a.paragraphs, ['The budget adds 64 firefighters.', body]);
  });
  test('GIVEN Markdown front matter whose summary the body states THEN it is dropped', () => {
    const a = one(
      'budget.md',
      `---\ntitle: Budget passes\nsummary: "Council approves budget 9-4 after six-hour meeting"\n---\n\n${body}\n`,
    );
    assert.deepEqual(a.paragraphs, [body]);
  });
  test('GIVEN a JSON record with a description the body lacks THEN it is the first paragraph', () => {
    const a = one(
      'budget.json',
      JSON.stringify({ title: 'Budget passes', description: 'Property taxes rise 3.9 percent.', paragraphs: [body] }),
    );
    assert.deepEqual(a.paragraphs, ['Property taxes rise 3.9 percent.', body]);
  });
  test('GIVEN a JSON record whose summary repeats the body THEN it is dropped', () => {
    const a = one('budget.json', JSON.stringify({ title: 'Budget passes', summary: body, paragraphs: [body] }));
    assert.deepEqual(a.paragraphs, [body]);
  });
});
