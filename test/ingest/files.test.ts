/** Reading files and folders: symbolic links, loops, names with glob characters, and id collisions are reported, never silently followed or dropped. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readArticleInputs } from '../../src/ingest/files.ts';

const STORY = (subject: string) =>
  `${subject} reopens after repairs\n\nThe ${subject.toLowerCase()} reopened on Monday after six weeks of repairs to its roof, the city said in a statement.\n`;

describe('readArticleInputs', () => {
  let root: string;
  let outside: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'citebot-files-'));
    outside = mkdtempSync(join(tmpdir(), 'citebot-outside-'));
    writeFileSync(join(outside, 'secret.txt'), STORY('Secret bunker'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const folder = (name: string): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    return dir;
  };

  it('GIVEN a link out of the folder (passwd.txt → elsewhere) THEN it is skipped as such and not read', async () => {
    const dir = folder('links-out');
    writeFileSync(join(dir, 'library.txt'), STORY('Library'));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'passwd.txt'));
    const { articles, skipped } = await readArticleInputs([dir], { maxBytes: 1_000_000 });
    assert.deepEqual(
      articles.map((a) => a.id),
      ['library'],
    );
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.name, join(dir, 'passwd.txt'));
    assert.match(
      skipped[0]!.reason,
      /^a symbolic link to .*secret\.txt, outside the folder; links out of an ingested folder are not followed$/,
    );
  });

  it('GIVEN a link to a file inside the folder THEN it is read; a link to a folder is not followed', async () => {
    const dir = folder('links-in');
    writeFileSync(join(dir, 'pool.txt'), STORY('Pool'));
    symlinkSync(join(dir, 'pool.txt'), join(dir, 'swimming.txt'));
    symlinkSync(dir, join(dir, 'again'));
    const { articles, skipped } = await readArticleInputs([dir], { maxBytes: 1_000_000 });
    assert.deepEqual(articles.map((a) => a.id).sort(), ['pool', 'swimming']);
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['a symbolic link to a folder; links to folders are not followed'],
    );
  });

  it('GIVEN a symbolic link loop THEN it is reported as a loop, in a folder and named directly', async () => {
    const dir = folder('loop');
    symlinkSync('loop.txt', join(dir, 'loop.txt'));
    const inFolder = await readArticleInputs([dir], { maxBytes: 1_000_000 });
    assert.deepEqual(inFolder.skipped, [
      { name: join(dir, 'loop.txt'), reason: 'a symbolic link loop (the link leads back to itself)' },
    ]);
    const direct = await readArticleInputs([join(dir, 'loop.txt')], { maxBytes: 1_000_000 });
    assert.deepEqual(direct.skipped, [
      { name: join(dir, 'loop.txt'), reason: 'a symbolic link loop (the link leads back to itself)' },
    ]);
    const missing = await readArticleInputs([join(dir, 'nothing.txt')], { maxBytes: 1_000_000 });
    assert.deepEqual(missing.skipped, [{ name: join(dir, 'nothing.txt'), reason: 'no such file or folder' }]);
  });

  it('GIVEN story.md beside story.txt, and Report!.txt beside report?.txt THEN one of each pair is skipped, naming the other', async () => {
    const dir = folder('collide');
    writeFileSync(join(dir, 'story.md'), `# Story one\n\n${STORY('Museum').split('\n\n')[1]}`);
    writeFileSync(join(dir, 'story.txt'), STORY('Stadium'));
    writeFileSync(join(dir, 'Report!.txt'), STORY('Market'));
    writeFileSync(join(dir, 'report?.txt'), STORY('Harbour'));
    const { articles, skipped } = await readArticleInputs([dir], { maxBytes: 1_000_000 });
    assert.deepEqual(articles.map((a) => a.id).sort(), ['report', 'story']);
    assert.equal(skipped.length, 2);
    assert.deepEqual(skipped.map((s) => s.name).sort(), [join(dir, 'report?.txt'), join(dir, 'story.txt')]);
    const story = skipped.find((s) => s.name.endsWith('story.txt'))!;
    assert.equal(
      story.reason,
      `${join(dir, 'story.txt')} makes the article id "story", which ${join(dir, 'story.md')} already has; rename one of the files (or give the article its own "id") and ingest it again`,
    );
  });

  it('GIVEN a file whose name has glob characters THEN naming it reads that file', async () => {
    const dir = folder('brackets');
    writeFileSync(join(dir, 'report[1].txt'), STORY('Theatre'));
    const { articles, skipped } = await readArticleInputs([join(dir, 'report[1].txt')], { maxBytes: 1_000_000 });
    assert.deepEqual(skipped, []);
    assert.equal(articles.length, 1);
    const pattern = await readArticleInputs([join(dir, '*.txt')], { maxBytes: 1_000_000 });
    assert.equal(pattern.articles.length, 1);
    const none = await readArticleInputs([join(dir, 'x[2.txt')], { maxBytes: 1_000_000 });
    assert.deepEqual(none.skipped, [{ name: join(dir, 'x[2.txt'), reason: 'no file matches this pattern' }]);
  });
});

describe('readArticleInputs: NDJSON with bad lines', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'citebot-ndjson-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const good = (n: number) =>
    JSON.stringify({
      title: `Story ${n}`,
      paragraphs: [
        `The council met for the ${n}th time on Monday and agreed to repair the harbour wall before winter.`,
      ],
    });

  it('GIVEN one line of bad JSON and one of the wrong shape THEN the good lines are read and each bad line is reported with where and why', async () => {
    const file = join(dir, 'feed.ndjson');
    writeFileSync(
      file,
      [good(1), '{"title": "Broken", "paragraphs": ["x",]}', good(3), '["not", "an", "object"]', good(5)].join('\n'),
    );
    const { articles, skipped } = await readArticleInputs([file], { maxBytes: 1_000_000 });
    assert.deepEqual(
      articles.map((a) => a.title),
      ['Story 1', 'Story 3', 'Story 5'],
    );
    // Ids count every line, so fixing line 2 later doesn't renumber the articles after it.
    assert.deepEqual(
      articles.map((a) => a.id),
      ['feed-1', 'feed-3', 'feed-5'],
    );
    assert.deepEqual(skipped, [
      {
        name: `${file} (line 2)`,
        reason: `${file} line 2 is not valid JSON (Unexpected token ']' at column 40); each line must be one article object`,
      },
      {
        name: `${file} (line 4)`,
        reason: `line 4 of ${file} is not an article object (expected {"title": …, "paragraphs": […]})`,
      },
    ]);
  });

  it('GIVEN only bad lines THEN the file is skipped, saying why', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, '{"title": \n');
    const { articles, skipped } = await readArticleInputs([file], { maxBytes: 1_000_000 });
    assert.equal(articles.length, 0);
    assert.equal(skipped.length, 1);
    assert.match(
      skipped[0]!.reason,
      /^.*bad\.ndjson holds no usable article: .*bad\.ndjson line 1 is not valid JSON \(.* at the end \(line 1\)\); each line must be one article object$/,
    );
  });

  it('GIVEN a JSON file with a syntax error on Node 20 THEN the message keeps the line and column and does not quote the file', async () => {
    const file = join(dir, 'article.json');
    writeFileSync(file, `{\n  "title": "Budget",\n  "paragraphs": ["${'a'.repeat(5000)}"],\n  "date": }\n`);
    const { skipped } = await readArticleInputs([file], { maxBytes: 1_000_000 });
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.reason, `${file} is not valid JSON: Unexpected token '}' at line 4, column 11`);
  });
});
