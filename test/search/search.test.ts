/**
 * Search quality rules: the analyzer (numbers, dates, question words), score-level fusion,
 * and the "not in the articles" decline, on the real engine with the tiny model.
 *   node --import tsx --test test/search/search.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore } from '../helpers/sqlite-store.ts';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import { openEngine, type CitebotEngine } from '../../src/engine.ts';
import { fuse, fusionWeightsFor, holdSemanticPlace, lexicalTrust } from '../../src/search/fusion.ts';
import { capPerArticle, duplicateKey } from '../../src/search/arrange.ts';
import { describeFilter } from '../../src/format/text.ts';
import { isHit } from '../../src/eval/metrics.ts';
import { analyze, analyzeQuestion, coverage } from '../../src/search/lexical.ts';
import type { Article, ArticleFilter } from '../../src/types.ts';
import { parseArticleFilter, takeFilterWords } from '../../src/search/filter.ts';
import { UserError } from '../../src/errors.ts';
import { openTestEngine, testEnv, type TestEngine } from '../helpers/engine.ts';

describe('lexical analyzer', () => {
  test('GIVEN "7,939" in a passage and "7939" in a question THEN both analyze to the token 7939', () => {
    assert.ok(analyze('Police detained 7,939 people.').includes('7939'));
    assert.ok(analyzeQuestion('Were 7939 people detained?').includes('7939'));
  });
  test('GIVEN "constructor" THEN it is a word like any other (not a property every object has)', () => {
    assert.deepEqual(analyze('the constructor built it'), ['constructor', 'build']);
  });
  test('GIVEN "1,234,567" THEN every thousands separator goes', () => {
    assert.ok(analyze('a budget of 1,234,567 euros').includes('1234567'));
  });
  test('GIVEN "Jan. 10" and "January 10" THEN they analyze alike', () => {
    assert.deepEqual(analyze('on Jan. 10'), analyze('on January 10'));
    assert.deepEqual(analyze('Sept. 3rd'), analyze('September 3'));
  });
  test('GIVEN an ISO date THEN it matches the written date', () => {
    assert.deepEqual(analyze('2024-01-10'), analyze('January 10 2024'));
  });
  test('GIVEN "how many …?" THEN question words carry no content and only the topic words remain', () => {
    assert.deepEqual(analyzeQuestion('How many people were detained?'), analyze('people detained'));
    assert.deepEqual(analyzeQuestion('When did what happen?'), []);
  });
  test('GIVEN inflected forms THEN they stem to the same token', () => {
    assert.deepEqual(analyze('detained'), analyze('detain'));
  });
  test('GIVEN irregular forms the stemmer splits ("died"/"die", "won"/"win") THEN they analyze alike', () => {
    assert.deepEqual(analyze('Tesla died'), analyze('Tesla die'));
    assert.deepEqual(analyzeQuestion('Who won the cup?'), analyze('winning cup'));
    assert.deepEqual(analyze('they went home'), analyze('they go home'));
  });
  test('GIVEN a rare and a common question word THEN covering the rare one counts for more', () => {
    const idf = (t: string) => (t === 'kestrel' ? 4 : 1);
    const q = ['kestrel', 'bank'];
    assert.equal(coverage(q, new Set(['kestrel']), idf), 0.8);
    assert.equal(coverage(q, new Set(['bank']), idf), 0.2);
    assert.equal(coverage([], new Set(['bank']), idf), 0);
  });
});

describe('score-level fusion (use-lite weights)', () => {
  const w = fusionWeightsFor('use-lite');
  // Passage-level evidence whose best sentence holds all of the passage's matches.
  const fuseAt = (cosine: number, coverage: number, weights = w) =>
    fuse(
      {
        cosine,
        wordCosine: 0,
        synonymCoverage: 0,
        coverage,
        sentenceCoverage: coverage,
        titleCoverage: 0,
        isLead: 0,
        shape: 0,
        bm25: 0,
      },
      weights,
    );
  test('GIVEN a full keyword match with a middling cosine THEN it outranks a passage with a better cosine and no keyword', () => {
    assert.ok(fuseAt(0.25, 1, w) > fuseAt(0.45, 0, w), `${fuseAt(0.25, 1, w)} vs ${fuseAt(0.45, 0, w)}`);
  });
  test('GIVEN equal coverage THEN the higher cosine wins', () => {
    assert.ok(fuseAt(0.6, 0.5, w) > fuseAt(0.5, 0.5, w));
  });
  test('GIVEN more coverage at equal cosine THEN the fused score never drops', () => {
    for (let c = 0; c < 1; c += 0.1) assert.ok(fuseAt(0.4, c + 0.1, w) >= fuseAt(0.4, c, w));
  });
  test('GIVEN a closer word-vector average at equal cosine and coverage THEN it scores higher, by the words weight', () => {
    const near = fuse(
      {
        cosine: 0.4,
        wordCosine: 0.9,
        synonymCoverage: 0,
        coverage: 0,
        sentenceCoverage: 0,
        titleCoverage: 0,
        isLead: 0,
        shape: 0,
        bm25: 0,
      },
      w,
    );
    const far = fuse(
      {
        cosine: 0.4,
        wordCosine: 0.4,
        synonymCoverage: 0,
        coverage: 0,
        sentenceCoverage: 0,
        titleCoverage: 0,
        isLead: 0,
        shape: 0,
        bm25: 0,
      },
      w,
    );
    assert.ok(w.words > 0);
    assert.ok(Math.abs(near - far - w.words * 0.5) < 1e-12, `${near} vs ${far}`);
    assert.equal(fusionWeightsFor('keyword').words, 0);
  });
  test('GIVEN the keyword model THEN only coverage counts', () => {
    const k = fusionWeightsFor('keyword');
    assert.equal(fuseAt(0.9, 0.5, k), fuseAt(0.1, 0.5, k));
  });
});

describe('trust in keyword evidence', () => {
  const w = fusionWeightsFor('use-lite');
  test('GIVEN no candidate covering even trustCoverage of the question THEN its keyword terms count in proportion', () => {
    assert.equal(lexicalTrust(w.trustCoverage / 2, w), 0.5);
    assert.equal(lexicalTrust(0.9, w), 1);
    const evidence = {
      cosine: 0.4,
      wordCosine: 0,
      synonymCoverage: 0,
      coverage: 0.2,
      sentenceCoverage: 0.2,
      titleCoverage: 0,
      isLead: 0,
      shape: 0,
      bm25: 0,
    };
    const keyword = fuse(evidence, w) - fuse({ ...evidence, coverage: 0, sentenceCoverage: 0 }, w);
    const trusted = fuse(evidence, w, 0.5) - fuse({ ...evidence, coverage: 0, sentenceCoverage: 0 }, w, 0.5);
    assert.ok(Math.abs(trusted - keyword / 2) < 1e-12, `${trusted} vs ${keyword}`);
  });
  test('GIVEN keyword evidence trusted less THEN the answer-shape bonus counts more, up to answerShape + answerShapeUntrusted', () => {
    const shaped = {
      cosine: 0.4,
      wordCosine: 0,
      synonymCoverage: 0,
      coverage: 0,
      sentenceCoverage: 0,
      titleCoverage: 0,
      isLead: 0,
      shape: 1,
      bm25: 0,
    };
    const plain = { ...shaped, shape: 0 };
    assert.ok(Math.abs(fuse(shaped, w, 1) - fuse(plain, w, 1) - w.answerShape) < 1e-12);
    assert.ok(Math.abs(fuse(shaped, w, 0) - fuse(plain, w, 0) - (w.answerShape + w.answerShapeUntrusted)) < 1e-12);
    assert.ok(w.answerShapeUntrusted > 0);
  });
  test('GIVEN the keyword model THEN trust is always full (its scores are keyword evidence only)', () => {
    assert.equal(lexicalTrust(0.01, fusionWeightsFor('keyword')), 1);
  });
});

describe('passages per article', () => {
  const hit = (name: string, article: number) => ({ name, article: { rowid: article } });
  test('GIVEN an article filling its share THEN its further passages go, except the one kept for meaning, which does not count', () => {
    const ranked = [hit('a1', 1), hit('a2', 1), hit('b1', 2), hit('a3', 1), hit('a4', 1), hit('b2', 2)];
    assert.deepEqual(
      capPerArticle(ranked, 2).map((h) => h.name),
      ['a1', 'a2', 'b1', 'b2'],
    );
    assert.deepEqual(
      capPerArticle(ranked, 2, ranked[4]).map((h) => h.name),
      ['a1', 'a2', 'b1', 'a4', 'b2'],
    );
    assert.deepEqual(
      capPerArticle(ranked, 2, ranked[0]).map((h) => h.name),
      ['a1', 'a2', 'b1', 'a3', 'b2'],
    );
  });
});

describe('the place held for the best semantic match', () => {
  const hit = (name: string, cosine: number) => ({ name, cosine });
  const third = { ...fusionWeightsFor('use-lite'), heldPlace: 3 };
  test('GIVEN the highest cosine ranked fifth THEN it moves to the third place and the rest keep their order', () => {
    const ranked = [hit('a', 0.3), hit('b', 0.2), hit('c', 0.25), hit('d', 0.1), hit('e', 0.6)];
    assert.deepEqual(
      holdSemanticPlace(ranked, third).map((h) => h.name),
      ['a', 'b', 'e', 'c', 'd'],
    );
  });
  test('GIVEN the highest cosine already in the first three THEN nothing moves', () => {
    const ranked = [hit('a', 0.3), hit('b', 0.7), hit('c', 0.25), hit('d', 0.1)];
    assert.deepEqual(
      holdSemanticPlace(ranked, third).map((h) => h.name),
      ['a', 'b', 'c', 'd'],
    );
    assert.deepEqual(holdSemanticPlace([], third), []);
  });
});

const ARTICLES: Article[] = [
  {
    id: 'detentions',
    title: 'Police detain thousands after protest',
    date: null,
    source: 'test',
    section: null,
    url: null,
    paragraphs: [
      'Police in Veloria detained 7,939 protesters over the weekend, the interior ministry said on Jan. 10.',
      'Human rights groups criticised the scale of the arrests and called for an independent inquiry.',
    ],
  },
  {
    id: 'weather',
    title: 'Mild winter expected',
    date: null,
    source: 'test',
    section: null,
    url: null,
    paragraphs: [
      'Forecasters expect a mild winter with little snow across the northern valleys this year.',
      'Farmers said the warm spell would help the early lambing season in the hill country.',
    ],
  },
];

describe('search on the real engine (tiny model)', () => {
  let t: TestEngine;
  let engine: CitebotEngine;
  before(async () => {
    t = await openTestEngine();
    engine = t.engine;
    await engine.ingest(ARTICLES, 'library');
  });
  after(async () => t.cleanup());

  test('GIVEN "how many … 7939 … January 10" THEN hybrid puts the detentions paragraph first', async () => {
    const r = await engine.internals.retrieve('How many protesters were detained in Veloria on January 10?', {
      collections: ['library'],
      k: 3,
      mode: 'hybrid',
    });
    assert.equal(r.hits[0]?.article.id, 'detentions');
    assert.equal(r.hits[0]?.passage.paragraph_start, 0);
    assert.ok(r.hits[0]!.coverage > 0.9);
  });

  test('GIVEN a strong keyword match THEN a dense-only neighbour does not outrank it in hybrid', async () => {
    const r = await engine.internals.retrieve('lambing hill country farmers', {
      collections: ['library'],
      k: 4,
      mode: 'hybrid',
    });
    assert.equal(r.hits[0]?.article.id, 'weather');
    assert.equal(r.hits[0]?.passage.paragraph_start, 1);
  });

  test('GIVEN a question sharing no word with any passage THEN bm25 returns nothing', async () => {
    const r = await engine.internals.retrieve('Which quasar emits gamma bursts?', {
      collections: ['library'],
      k: 3,
      mode: 'bm25',
    });
    assert.equal(r.hits.length, 0);
    assert.equal(r.answered, false);
  });

  test('GIVEN an off-topic question THEN hybrid confidence falls below the threshold and ask declines with no passages', async () => {
    engine.internals.setCutoffs({ threshold: 0.6 });
    const r = await engine.internals.retrieve('Which quasar emits gamma bursts?', {
      collections: ['library'],
      k: 3,
      mode: 'hybrid',
    });
    assert.ok(r.confidence < 0.6, String(r.confidence));
    assert.equal(r.answered, false);
    const asked = await engine.ask('Which quasar emits gamma bursts?', { collections: ['library'] });
    assert.equal(asked.answered, false);
    assert.deepEqual(asked.passages, []);
    assert.equal(asked.answer, null);
  });

  test('GIVEN a question the articles answer THEN ask answers above the same threshold, citing the paragraph', async () => {
    engine.internals.setCutoffs({ threshold: 0.6 });
    const asked = await engine.ask('How many protesters were detained in Veloria?', { collections: ['library'] });
    assert.equal(asked.answered, true);
    assert.equal(asked.passages[0]?.citation.article_id, 'detentions');
    assert.equal(asked.passages[0]?.citation.paragraph, 1);
    assert.equal(asked.answer, '7,939');
  });
});

describe('best-sentence coverage (real engine, lexical evidence only)', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
    await t.engine.ingest(
      [
        {
          id: 'scattered',
          title: 'An inventor remembered',
          date: null,
          source: 'test',
          section: null,
          url: null,
          paragraphs: [
            'Tesla moved to New York in 1884 and opened a laboratory. Decades later, after many patents, the inventor would die, in 1943.',
          ],
        },
        {
          id: 'together',
          title: 'Obituary notes',
          date: null,
          source: 'test',
          section: null,
          url: null,
          paragraphs: [
            'Tesla died in New York in January 1943. He had lived in hotels for most of his life and left many notebooks.',
          ],
        },
      ],
      'library',
    );
  });
  after(async () => t.cleanup());

  test('GIVEN two passages covering every question word THEN the one holding them in one sentence ranks first', async () => {
    t.engine.internals.setFusionWeights({ dense: 0, answerShape: 0, sentence: 0.3 });
    const r = await t.engine.internals.retrieve('When did Tesla die in New York?', {
      collections: ['library'],
      k: 2,
      mode: 'hybrid',
    });
    assert.equal(r.hits.length, 2);
    assert.equal(r.hits[0]!.coverage, 1);
    assert.equal(r.hits[1]!.coverage, 1);
    assert.equal(r.hits[0]!.article.id, 'together');
    assert.ok(r.hits[0]!.score - r.hits[1]!.score > 0.05, `${r.hits[0]!.score} vs ${r.hits[1]!.score}`);
  });
});

describe('stored terms follow the analyzer version', () => {
  test('GIVEN a store whose terms an older analyzer wrote ("died" → "di") WHEN the engine reopens THEN they are re-analyzed and "die" finds the passage', async () => {
    const first = await openTestEngine();
    const dataDir = first.dataDir;
    try {
      await first.engine.ingest(
        [
          {
            id: 'obit',
            title: 'Obituary notes',
            date: null,
            source: 'test',
            section: null,
            url: null,
            paragraphs: ['Tesla died in New York in January 1943.'],
          },
        ],
        'library',
      );
      await first.engine.close();
      // What version 1 of the analyzer stored for this passage, written through the contract.
      const old = openSqliteStore(dataDir);
      assert.equal(await old.reanalyze(1, () => 'tesla di new york januari 1943'.split(' ')), 1);
      await old.close();
      const notices: string[] = [];
      const reopened = await openEngine(loadConfig(testEnv(dataDir, first.modelDir)), {
        notice: (m) => notices.push(m),
      });
      try {
        const r = await reopened.internals.retrieve('When did Tesla die?', {
          collections: ['library'],
          k: 1,
          mode: 'bm25',
        });
        assert.equal(r.hits[0]?.article.id, 'obit');
        assert.equal(r.hits[0]?.coverage, 1);
        assert.ok(
          notices.some((n) => n.includes('keyword index of 1 passages')),
          notices.join('\n'),
        );
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the same passage in several articles (syndicated copy, a story ingested twice)', () => {
  const wire = [
    'Storm Kael brought down power lines across the Harlow valley on Tuesday, leaving 12,400 homes without electricity overnight.',
    'Engineers from Harlow Grid restored supply to most streets by Wednesday noon, the company said.',
  ];
  const articles: Article[] = [
    {
      id: 'gazette-storm',
      title: 'Storm Kael cuts power in Harlow',
      date: '2024-02-06',
      source: 'Harlow Gazette',
      section: null,
      url: 'https://gazette.example/storm',
      paragraphs: [...wire, 'The Gazette asked readers to send photographs of the damage.'],
    },
    // The same wire copy with typographic quotes, different spacing and case in a headline-style lead.
    {
      id: 'courier-storm',
      title: 'Power cut for 12,400 homes',
      date: '2024-02-07',
      source: 'Valley Courier',
      section: null,
      url: 'https://courier.example/kael',
      paragraphs: [
        `  ${wire[0]!.replace('Tuesday,', 'Tuesday ,')}  `,
        wire[1]!.replace('the company said', '“the company said”'),
      ],
    },
    // The same copy with a closing line of its own in the same paragraph.
    {
      id: 'radio-storm',
      title: 'Harlow Grid restores supply',
      date: '2024-02-07',
      source: 'Harlow Radio',
      section: null,
      url: null,
      paragraphs: [`${wire[1]} Crews worked through the night in freezing rain.`],
    },
    {
      id: 'council-storm',
      title: 'Council opens rest centre after Storm Kael',
      date: '2024-02-06',
      source: 'Harlow Council',
      section: null,
      url: null,
      paragraphs: [
        'Harlow Council opened a rest centre at the leisure club for residents whose homes lost power during Storm Kael.',
      ],
    },
  ];
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
    await t.engine.ingest(articles, 'library');
  });
  after(async () => t.cleanup());

  test('GIVEN two articles holding the same paragraph THEN it is shown once, citing the other article in also_in, and the next place goes to a different passage', async () => {
    const asked = await t.engine.ask('How many homes lost electricity when Storm Kael hit Harlow?', {
      collections: ['library'],
      k: 3,
    });
    const texts = asked.passages.map((p) => duplicateKey(p.text));
    assert.equal(new Set(texts).size, texts.length, `a passage is shown twice: ${JSON.stringify(texts)}`);
    const storm = asked.passages.find((p) => p.text.includes('12,400 homes'));
    assert.ok(storm, JSON.stringify(asked.passages));
    const cited = [storm.citation.article_id, ...storm.also_in.map((c) => c.article_id)].sort();
    assert.deepEqual(cited, ['courier-storm', 'gazette-storm']);
    const copy = storm.also_in[0]!;
    assert.equal(copy.paragraph, 1);
    assert.ok(copy.source === 'Valley Courier' || copy.source === 'Harlow Gazette');
    assert.ok(
      asked.passages.some((p) => p.citation.article_id === 'council-storm'),
      'the third article takes a place the copy would have taken',
    );
  });

  test("GIVEN a passage whose text stands whole inside another article's THEN it counts as a copy; retrieve's hits carry the copies, and the eval counts a copy in the gold article as a hit", async () => {
    const r = await t.engine.internals.retrieve('Harlow Grid engineers restored supply', {
      collections: ['library'],
      k: 5,
      mode: 'hybrid',
    });
    const restored = r.hits.filter((h) => h.passage.text.includes('restored supply'));
    assert.equal(restored.length, 1, JSON.stringify(r.hits.map((h) => h.passage.text)));
    assert.deepEqual([restored[0]!.article.id, ...restored[0]!.alsoIn.map((c) => c.article.id)].sort(), [
      'courier-storm',
      'gazette-storm',
      'radio-storm',
    ]);
    const [hit] = restored;
    const place = ({
      article,
      passage,
    }: {
      article: { id: string };
      passage: { paragraph_start: number; paragraph_end: number };
    }) => ({ articleId: article.id, paragraphStart: passage.paragraph_start, paragraphEnd: passage.paragraph_end });
    const ranked = [{ ...place(hit!), title: '', text: hit!.passage.text, copies: hit!.alsoIn.map(place) }];
    for (const [articleId, paragraphIndex] of [
      ['gazette-storm', 1],
      ['courier-storm', 1],
      ['radio-storm', 0],
    ] as const) {
      assert.equal(isHit(ranked[0]!, { articleId, paragraphIndex, answer: 'no such words' }), true, articleId);
    }
    assert.equal(isHit(ranked[0]!, { articleId: 'council-storm', paragraphIndex: 0, answer: 'no such words' }), false);
  });

  test('GIVEN quotes, case and spacing that differ THEN the duplicate key is the same, and a changed figure makes it differ', () => {
    assert.equal(duplicateKey('“The company said,” he  added.'), duplicateKey('"the company said," he added'));
    assert.notEqual(
      duplicateKey('leaving 12,400 homes without power'),
      duplicateKey('leaving 12,500 homes without power'),
    );
  });
});

describe('limiting a question to a date range or a source', () => {
  test('GIVEN dates as a year, a month or a day THEN since and until become inclusive days; impossible dates and reversed ranges are refused', () => {
    assert.deepEqual(parseArticleFilter({ since: '2022', until: '2022' }), {
      since: '2022-01-01',
      until: '2022-12-31',
    });
    assert.deepEqual(parseArticleFilter({ since: '2024-02', until: '2024-02' }), {
      since: '2024-02-01',
      until: '2024-02-29',
    });
    assert.deepEqual(parseArticleFilter({ until: ' 2023-02-28 ', source: '  TRT   World ' }), {
      until: '2023-02-28',
      source: 'TRT World',
    });
    assert.equal(parseArticleFilter({ since: '', until: null, source: '   ' }), undefined);
    for (const bad of ['2023-02-29', '2022-13', '22-01-10', 'January 2022', '2022-1-5']) {
      assert.throws(
        () => parseArticleFilter({ since: bad }),
        (e: unknown) =>
          e instanceof UserError &&
          e.code === 'bad_filter' &&
          e.message.includes(`"${bad}" is not a date; write it as 2022-01-10`),
        bad,
      );
    }
    assert.throws(
      () => parseArticleFilter({ since: '2023', until: '2022-06' }),
      /since \(2023-01-01\) is after until \(2022-06-30\); swap them/,
    );
    assert.throws(() => parseArticleFilter({ source: 'x'.repeat(101) }), /source is 101 characters/);
  });

  test('GIVEN filter words in a question THEN they are taken out and give the filter; other colons stay', () => {
    assert.deepEqual(takeFilterWords('how many were detained? since:2022 source:"TRT World"'), {
      question: 'how many were detained?',
      filter: { since: '2022-01-01', source: 'TRT World' },
    });
    assert.deepEqual(takeFilterWords('Until:2021-06 what did the union ask for?'), {
      question: 'what did the union ask for?',
      filter: { until: '2021-06-30' },
    });
    assert.deepEqual(takeFilterWords('is the score 3:2 or the time 10:30?'), {
      question: 'is the score 3:2 or the time 10:30?',
      filter: undefined,
    });
    assert.throws(() => takeFilterWords('who won? since:yesterday'), /since "yesterday" is not a date/);
  });

  const article = (id: string, date: string | null, source: string | null, paragraph: string): Article => ({
    id,
    title: `Harbour ferry report ${id}`,
    date,
    source,
    section: null,
    url: null,
    paragraphs: [paragraph],
  });
  const articles: Article[] = [
    article(
      'ferry-2021',
      '2021-06-01',
      'Coastal Herald',
      'The harbour ferry carried 41,000 passengers in May, the operator said.',
    ),
    article(
      'ferry-2022',
      '2022-06-01',
      'Coastal Herald',
      'The harbour ferry carried 52,000 passengers in May after the timetable change.',
    ),
    article(
      'ferry-2023',
      '2023-06-01T09:30:00Z',
      'Wire: Reuters',
      'The harbour ferry carried 60,500 passengers in May, a record for the service.',
    ),
    article(
      'ferry-undated',
      null,
      'Coastal Herald',
      'The harbour ferry carried about 50,000 passengers in a typical May.',
    ),
  ];
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
    await t.engine.ingest(articles, 'library');
  });
  after(async () => t.cleanup());
  const ask = (filter?: ArticleFilter) =>
    t.engine.ask('How many passengers did the harbour ferry carry in May?', { collections: ['library'], k: 5, filter });
  const cited = (result: { passages: { citation: { article_id: string } }[] }) =>
    result.passages.map((p) => p.citation.article_id).sort();

  test('GIVEN no filter THEN every report answers', async () => {
    const result = await ask();
    assert.deepEqual(cited(result), ['ferry-2021', 'ferry-2022', 'ferry-2023', 'ferry-undated']);
    assert.equal(result.articlesSearched, 4);
    assert.equal(result.filter, null);
  });

  test('GIVEN since and until THEN only articles dated in the range answer (a date with a time counts by its day; undated ones are left out), and the count says so', async () => {
    const result = await ask({ since: '2022-01-01', until: '2023-06-01' });
    assert.deepEqual(cited(result), ['ferry-2022', 'ferry-2023']);
    assert.equal(result.articlesSearched, 2);
    assert.deepEqual(result.filter, { since: '2022-01-01', until: '2023-06-01' });
    assert.deepEqual(cited(await ask({ until: '2021-12-31' })), ['ferry-2021']);
  });

  test('GIVEN a source THEN only articles whose source contains it, case ignored, answer, dated or not', async () => {
    assert.deepEqual(cited(await ask({ source: 'coastal herald' })), ['ferry-2021', 'ferry-2022', 'ferry-undated']);
    assert.deepEqual(cited(await ask({ source: 'REUTERS', since: '2023-01-01' })), ['ferry-2023']);
    // LIKE's wildcards are taken literally.
    assert.deepEqual(cited(await ask({ source: '%' })), []);
  });

  test('GIVEN a filter no article meets THEN nothing is shown and no answer claimed, with none searched', async () => {
    const result = await ask({ since: '2030-01-01' });
    assert.deepEqual(result.passages, []);
    assert.equal(result.answered, false);
    assert.equal(result.articlesSearched, 0);
  });

  test('GIVEN dense search with a filter THEN the nearest allowed passages come back, by an exact comparison', async () => {
    const r = await t.engine.internals.retrieve('harbour ferry passengers', {
      collections: ['library'],
      k: 5,
      mode: 'dense',
      filter: { source: 'Reuters' },
    });
    assert.deepEqual(
      r.hits.map((h) => h.article.id),
      ['ferry-2023'],
    );
    const unfiltered = await t.engine.internals.retrieve('harbour ferry passengers', {
      collections: ['library'],
      k: 5,
      mode: 'dense',
    });
    const cosine = unfiltered.hits.find((h) => h.article.id === 'ferry-2023')!.cosine;
    assert.ok(Math.abs(r.hits[0]!.cosine - cosine) < 1e-5, `${r.hits[0]!.cosine} vs ${cosine} from the index`);
  });

  test('GIVEN the articles THEN their sources are listed most articles first, and a search keeps those containing it', async () => {
    assert.deepEqual(await t.engine.listSources(['library']), [
      { source: 'Coastal Herald', articles: 3 },
      { source: 'Wire: Reuters', articles: 1 },
    ]);
    assert.deepEqual(await t.engine.listSources(['library'], { search: 'wire' }), [
      { source: 'Wire: Reuters', articles: 1 },
    ]);
  });
});

describe('a source named in full', () => {
  const report = (id: string, source: string): Article => ({
    id,
    title: `Port strike report ${id}`,
    date: '2024-05-02',
    source,
    section: null,
    url: null,
    paragraphs: ['Dockworkers at the port walked out on Thursday over the new shift rota, the union said.'],
  });
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine();
    await t.engine.ingest(
      [report('ap', 'AP'), report('aap', 'AAP'), report('japan', 'Japan Times'), report('apnews', 'AP News')],
      'library',
    );
  });
  after(async () => t.cleanup());
  const ask = (source: string) =>
    t.engine.ask('Why did the dockworkers walk out?', { collections: ['library'], k: 5, filter: { source } });
  const cited = (result: { passages: { citation: { article_id: string } }[] }) =>
    result.passages.map((p) => p.citation.article_id).sort();

  test('GIVEN the whole name of a source, in any case THEN that source only, not the ones containing it, and the reply names it', async () => {
    const result = await ask('ap');
    assert.deepEqual(cited(result), ['ap']);
    assert.deepEqual(result.filter, { source: 'AP', sourceExact: true });
    assert.equal(describeFilter(result.filter!), 'from "AP"');
    assert.equal(result.articlesSearched, 1);
    assert.deepEqual(
      (await t.engine.listArticles(['library'], { filter: { source: 'AP' } })).map((a) => a.id),
      ['ap'],
    );
    assert.equal(await t.engine.countArticles(['library'], { filter: { source: 'ap news' } }), 1);
  });

  test('GIVEN part of a name THEN every source containing it', async () => {
    const result = await ask('times');
    assert.deepEqual(cited(result), ['japan']);
    assert.equal(describeFilter(result.filter!), 'from a source matching "times"');
    assert.equal(await t.engine.countArticles(['library'], { filter: { source: 'a' } }), 4);
  });
});

describe("the lead term (a headline restated by the article's first passage)", () => {
  const evidence = {
    cosine: 0.5,
    wordCosine: 0,
    synonymCoverage: 0,
    coverage: 0.8,
    sentenceCoverage: 0.8,
    titleCoverage: 0.6,
    shape: 0,
    bm25: 0,
  };
  test('GIVEN lead weight 0 (the keyword model) THEN the first passage scores as any other', () => {
    const w = fusionWeightsFor('keyword');
    assert.equal(fuse({ ...evidence, isLead: 1 }, w), fuse({ ...evidence, isLead: 0 }, w));
  });
  test('GIVEN a lead weight THEN only the first passage gains it, by lead × titleCoverage², scaled by trust', () => {
    const w = { ...fusionWeightsFor('use-lite'), lead: 0.5 };
    const gain = fuse({ ...evidence, isLead: 1 }, w, 0.5) - fuse({ ...evidence, isLead: 0 }, w, 0.5);
    assert.ok(Math.abs(gain - 0.5 * 0.5 * 0.36) < 1e-12, String(gain));
  });
});
