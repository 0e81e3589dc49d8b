/** Thesaurus synonyms as keyword evidence: the bundled table, its builder, and the coverage it gives. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WordVectors } from '../../src/embed/word-vectors.ts';
import { analyze, analyzeQuestion } from '../../src/search/lexical.ts';
import {
  SYNONYM_FILE,
  Synonyms,
  bundledSynonyms,
  passageWords,
  synonymCoverage,
  synonymQueries,
} from '../../src/search/synonyms.ts';

const stem = (word: string) => analyze(word)[0]!;

describe('synonym table', () => {
  it("reads each stem's synonyms from its line and skips the header", () => {
    const table = Synonyms.parse('# a header\tline\nbroker\tmediat middleman\nmediat\tbroker\ncart\ttrollei\n');
    assert.equal(table.size, 3);
    assert.deepEqual([...table.of('broker')!], ['mediat', 'middleman']);
    assert.ok(table.of('mediat')!.has('broker'));
    assert.equal(table.of('mediat')!.has('middleman'), false);
    assert.equal(table.of('trollei'), undefined);
    assert.equal(table.of('# a header'), undefined);
    assert.equal(table.of('broker'), table.of('broker'), 'a line is split once');
  });

  it('bundles Moby pairs a news question needs, and not the thesaurus senses the vectors reject', () => {
    const table = bundledSynonyms()!;
    assert.ok(table.size > 10_000, String(table.size));
    for (const [a, b] of [
      ['arrested', 'detained'],
      ['brokered', 'mediator'],
      ['carts', 'trolleys'],
      ['soldiers', 'troops'],
      ['bloc', 'alliance'],
    ]) {
      assert.ok(table.of(stem(a))?.has(stem(b)), `${a} → ${b}`);
    }
    // Moby lists "tattoo" (a drumbeat) under "jab"; as GloVe vectors go they are far apart.
    assert.equal(table.of(stem('jab'))?.has(stem('tattoo')), false);
    assert.equal(table.of(stem('arrested'))?.has(stem('banana')) ?? false, false);
  });

  it("is a well-formed table: sorted stems, sorted lists, every pair on both of its stems' lines", () => {
    const lines = readFileSync(SYNONYM_FILE, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    const heads = lines.map((line) => line.split('\t')[0]!);
    assert.deepEqual(heads, [...heads].sort());
    assert.equal(new Set(heads).size, heads.length);
    const byStem = new Map(lines.map((line) => [line.split('\t')[0]!, line.split('\t')[1]!.split(' ')]));
    for (const [head, others] of byStem) {
      assert.deepEqual(others, [...others].sort(), head);
      assert.ok(!others.includes(head), head);
      for (const other of others) assert.ok(byStem.get(other)?.includes(head), `${head} → ${other} but not back`);
    }
  });
});

describe('synonym coverage and the table builder (GloVe vectors prepared once)', () => {
  let dataDir: string;
  let words: WordVectors;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'citebot-synonyms-'));
    words = (await WordVectors.open(join(dataDir, 'models')))!;
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const coverageOf = (question: string, passage: string, table = bundledSynonyms()!) => {
    const tokens = analyzeQuestion(question);
    const queries = synonymQueries(question, tokens, () => 1, table, words);
    return synonymCoverage(queries, new Set(analyze(passage)), passageWords(passage, words));
  };

  it("credits a passage that holds a synonym of a question word, in proportion to that word's share", () => {
    const question = 'Who brokered the settlement?';
    const answer = 'The talks were chaired by mediator Ruth Okonkwo, a former labour court judge.';
    const unrelated = 'The wheat harvest broke records, but grain prices fell.';
    const credited = coverageOf(question, answer);
    assert.ok(credited > 0.2 && credited <= 0.5, String(credited)); // "brokered" is half the question
    assert.equal(coverageOf(question, unrelated), 0);
  });

  it('leaves words the passage holds as they are to keyword coverage', () => {
    assert.equal(coverageOf('How many were detained?', '7,939 people have been detained.'), 0);
    assert.ok(coverageOf('How many were arrested?', '7,939 people have been detained.') > 0.9);
  });

  it('needs the pair in the thesaurus: close vectors alone do not count', () => {
    // "arrested" and "police" are close GloVe neighbours, but not synonyms.
    assert.equal(coverageOf('How many were arrested?', 'The police said the square was calm.'), 0);
    const withPolice = Synonyms.parse(`${stem('arrested')}\t${stem('police')}\n`);
    assert.ok(coverageOf('How many were arrested?', 'The police said the square was calm.', withPolice) > 0);
  });

  it('builds the same table from the same thesaurus, keeping only pairs the vectors place close', () => {
    const moby = join(dataDir, 'words.txt');
    writeFileSync(moby, 'arrest,detain,banana,stop\nbroker,go-between,mediator,Realtor\ncart,trolley,wagon\n');
    const build = (out: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-synonyms.ts', moby, out], {
        env: { ...process.env, DATA_DIR: dataDir },
        encoding: 'utf8',
      });
    const first = join(dataDir, 'a.txt');
    const second = join(dataDir, 'b.txt');
    assert.match(build(first), /wrote \d+ pairs/);
    build(second);
    assert.equal(readFileSync(first, 'utf8'), readFileSync(second, 'utf8'));
    const table = Synonyms.parse(readFileSync(first, 'utf8'));
    assert.ok(table.of('arrest')!.has('detain'));
    assert.ok(table.of('broker')!.has('mediat'));
    assert.ok(table.of('cart')!.has('trollei'));
    assert.equal(table.of('arrest')!.has('banana'), false); // in the input, far apart as vectors
    assert.equal(table.of('go'), undefined); // multi-word entries are left out
    assert.equal(table.of('realtor'), undefined); // and capitalized names
  });
});
