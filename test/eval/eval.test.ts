/**
 * The evaluation: pure metrics on hand-made rankings, threshold calibration, and the
 * end-to-end run on the tiny model (JSON contract, HTML report, temporary index).
 *   node --import tsx --test test/eval/eval.test.ts
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseFloor, chooseThreshold, declineRates, roundedChoice } from '../../src/eval/calibrate.ts';
import { toJson } from '../../src/eval/format.ts';
import { leaveOneSetOut } from '../../src/eval/held-out.ts';
import {
  firstHitRank,
  isHit,
  meanReciprocalRank,
  percentile,
  answerMatches,
  summarize,
  summarizeByStyle,
  type Gold,
  type Metrics,
  type QuestionOutcome,
  type RankedPassage,
} from '../../src/eval/metrics.ts';
import { escapeHtml, hitCurve, renderHtml } from '../../src/eval/report-html.ts';
import { evaluateSet, openTempIndex, type SetReport } from '../../src/eval/runner.ts';
import { parseEvalSet, type EvalSet } from '../../src/eval/set.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';
import { fusionWeightsFor } from '../../src/search/fusion.ts';

const p = (articleId: string, start: number, end = start, text = 'filler text'): RankedPassage => ({
  articleId,
  title: articleId,
  paragraphStart: start,
  paragraphEnd: end,
  text,
});
const gold = (articleId: string, paragraphIndex: number, answer = 'zzz'): Gold => ({
  articleId,
  paragraphIndex,
  answer,
});
const outcome = (g: Gold | null, ranked: RankedPassage[], extra: Partial<QuestionOutcome> = {}): QuestionOutcome => ({
  question: 'q?',
  gold: g,
  style: null,
  ranked,
  declined: false,
  shown: true,
  confidence: 0.5,
  relevance: null,
  highlight: '',
  wantsAnswer: false,
  answer: null,
  queryMs: 1,
  ...extra,
});

describe('hit rule', () => {
  test('GIVEN a passage of the gold article covering the gold paragraph THEN it is a hit', () => {
    assert.equal(isHit(p('a', 2), gold('a', 2)), true);
  });
  test('GIVEN a merged passage spanning paragraphs 1..3 THEN it covers gold paragraph 2', () => {
    assert.equal(isHit(p('a', 1, 3), gold('a', 2)), true);
  });
  test('GIVEN the gold article but another paragraph that contains the answer string THEN it is a hit (case and spacing ignored)', () => {
    assert.equal(isHit(p('a', 4, 4, 'It cost  1.5 Million pounds.'), gold('a', 1, '1.5 million pounds')), true);
  });
  test('GIVEN another article that contains the answer string THEN it is not a hit', () => {
    assert.equal(isHit(p('b', 1, 1, 'the answer zzz'), gold('a', 1)), false);
  });
  test('GIVEN the gold article, another paragraph, no answer string THEN it is not a hit', () => {
    assert.equal(isHit(p('a', 3), gold('a', 1)), false);
  });
});

describe('metrics on a controlled ranking', () => {
  // Four answerable questions whose first hit is at rank 1, 3, none (within 10), and 2;
  // two unanswerable ones, one declined; one answerable question (the rank-2 one) declined.
  const g = gold('a', 0, 'Answer');
  const outcomes: QuestionOutcome[] = [
    outcome(g, [p('a', 0), p('b', 0)], { highlight: 'the answer is here', style: 'lexical', queryMs: 10 }),
    outcome(g, [p('b', 0), p('c', 0), p('a', 0)], { highlight: 'nothing', style: 'paraphrased', queryMs: 30 }),
    outcome(g, [p('b', 0), p('c', 0), ...Array.from({ length: 9 }, () => p('d', 1)), p('a', 0)], {
      style: 'paraphrased',
      queryMs: 20,
    }),
    outcome(g, [p('b', 0), p('a', 5, 5, 'an answer in passing')], {
      declined: true,
      style: 'lexical',
      highlight: 'ANSWER',
      queryMs: 40,
    }),
    outcome(null, [p('b', 0)], { declined: true, shown: false, queryMs: 50 }),
    outcome(null, [p('b', 0)], { declined: false, queryMs: 60 }),
  ];
  const m = summarize(outcomes);

  test('GIVEN first hits at ranks 1, 3, >10, 2 THEN hit@1 = 1/4, hit@3 = 3/4, hit@5 = 3/4', () => {
    assert.deepEqual(
      outcomes.filter((o) => o.gold).map((o) => firstHitRank(o.ranked, o.gold!)),
      [1, 3, null, 2],
    );
    assert.equal(m['hit@1'], 0.25);
    assert.equal(m['hit@3'], 0.75);
    assert.equal(m['hit@5'], 0.75);
  });
  test('GIVEN first hits at ranks 1, 3, >10, 2 THEN MRR@10 = (1 + 1/3 + 0 + 1/2) / 4', () => {
    assert.ok(Math.abs(m['mrr@10'] - (1 + 1 / 3 + 0.5) / 4) < 1e-12);
    assert.equal(meanReciprocalRank([12], 10), 0);
  });
  test('GIVEN two of four highlights holding the answer (any case) THEN highlight_hit = 0.5', () => {
    assert.equal(m.highlight_hit, 0.5);
  });
  test('GIVEN 1 of 2 unanswerable and 1 of 4 answerable declined THEN declined_correctly 0.5, declined_wrongly 0.25, precision 0.5', () => {
    assert.equal(m.declined_correctly, 0.5);
    assert.equal(m.declined_wrongly, 0.25);
    assert.equal(m.decline_precision, 0.5);
    assert.equal(m.questions, 4);
    assert.equal(m.unanswerable, 2);
  });
  test('GIVEN the declined answerable question still shown (closest passages) and 1 of 2 unanswerable shown nothing THEN none_shown is 0 and 0.5', () => {
    assert.equal(m.answerable_nothing_shown, 0);
    assert.equal(m.unanswerable_nothing_shown, 0.5);
    assert.equal(summarize([outcome(g, [], { declined: true, shown: false })]).answerable_nothing_shown, 1);
  });
  test('GIVEN query times 10..60 ms THEN p50 is the lower middle, 30 ms', () => {
    assert.equal(m.query_ms_p50, 30);
    assert.equal(percentile([5], 50), 5);
    assert.equal(percentile([], 50), 0);
  });
  test('GIVEN styled questions THEN by_style splits them: lexical hit@1 1/2, paraphrased hit@1 0', () => {
    const byStyle = summarizeByStyle(outcomes);
    assert.deepEqual(Object.keys(byStyle), ['lexical', 'paraphrased']);
    assert.equal(byStyle.lexical!['hit@1'], 0.5);
    assert.equal(byStyle.lexical!['hit@3'], 1);
    assert.equal(byStyle.paraphrased!['hit@1'], 0);
    assert.equal(byStyle.paraphrased!['hit@3'], 0.5);
  });
  test('GIVEN the ranking THEN the hit@k curve reads 0.25, 0.5, 0.75 and stays at 0.75 up to k = 10', () => {
    const curve = hitCurve(outcomes, 10);
    assert.deepEqual(curve.slice(0, 3), [0.25, 0.5, 0.75]);
    assert.equal(curve[9], 0.75);
  });
  test('GIVEN short answers claimed right, wrong, and for an unanswerable question THEN answer_hit counts the right ones among questions wanting one, precision among all claims', () => {
    const money = gold('a', 0, '15,000 dollars');
    const claims = [
      outcome(money, [p('a', 0)], { wantsAnswer: true, answer: 'up to 15000 dollars' }),
      outcome(money, [p('a', 0)], { wantsAnswer: true, answer: '5 dollars' }),
      outcome(money, [p('a', 0)], { wantsAnswer: true, answer: null }),
      outcome(money, [p('a', 0)], { wantsAnswer: false }),
      outcome(null, [p('b', 0)], { wantsAnswer: true, answer: 'Rosa Lindgren' }),
    ];
    const s = summarize(claims);
    assert.equal(s.answer_hit, 1 / 3);
    assert.equal(s.answer_precision, 1 / 3);
    assert.equal(m.answer_precision, null);
  });
  test('GIVEN wrong short answers THEN the HTML report lists each with what was expected, and not the right one', () => {
    const money = gold('a', 0, '15,000 dollars');
    const outcomes = [
      outcome(money, [p('a', 0)], {
        wantsAnswer: true,
        answer: '15,000 dollars',
        highlight: 'grants of up to 15,000 dollars',
      }),
      outcome(money, [p('a', 0)], {
        question: 'How much can a shop get?',
        wantsAnswer: true,
        answer: '46 million dollars',
        highlight: 'cost 46 million dollars in 2009',
      }),
      outcome(null, [p('b', 0)], {
        question: 'Who is the mayor of <Kilbride>?',
        wantsAnswer: true,
        answer: 'Rosa Lindgren',
        highlight: 'Rosa Lindgren won',
      }),
    ];
    const report: SetReport = {
      set: 'claims',
      model: 'test',
      reranker: null,
      k: 10,
      weights: fusionWeightsFor('keyword'),
      cutoffs: { threshold: 0.25, floor: 0.25 },
      sample: 'held-out',
      skipped: [],
      modes: { hybrid: { ...summarize(outcomes), ingest_s: 0, by_style: {} } },
      outcomes: { hybrid: outcomes },
    };
    const html = renderHtml([report], []);
    assert.match(html, /Wrong short answers \(2\)/);
    assert.match(html, /claimed: <b>46 million dollars<\/b> — expected: <b>15,000 dollars<\/b>/);
    assert.match(
      html,
      /Who is the mayor of &lt;Kilbride&gt;\?<\/p><p>claimed: <b>Rosa Lindgren<\/b> — expected: no answer \(unanswerable\)/,
    );
    assert.ok(!html.includes('claimed: <b>15,000 dollars</b>'));
  });
  test('GIVEN a claimed answer THEN it matches when all words of one are in the other, numbers compared without commas', () => {
    assert.equal(answerMatches('Ruth Okonkwo', 'mediator Ruth Okonkwo'), true);
    assert.equal(answerMatches('7939', '7,939'), true);
    assert.equal(answerMatches('11 weeks', '11'), true);
    assert.equal(answerMatches('5', '25 percent'), false);
    assert.equal(answerMatches('Luke Kuechly', 'Luke Kuechly.'), true);
    assert.equal(answerMatches('The Broncos', 'Pittsburgh Steelers'), false);
  });
  test('GIVEN a set with no unanswerable questions THEN declined_correctly is null, not 0', () => {
    assert.equal(summarize([outcome(g, [p('a', 0)])]).declined_correctly, null);
  });
});

describe('threshold calibration', () => {
  test('GIVEN separable scores THEN the threshold lies between them and declines every negative and no positive', () => {
    const choice = chooseThreshold([0.6, 0.7, 0.8], [0.1, 0.2, 0.3]);
    assert.ok(choice.threshold > 0.3 && choice.threshold < 0.6, String(choice.threshold));
    assert.equal(choice.feasible, true);
    assert.equal(choice.declinedCorrectly, 1);
    assert.equal(choice.declinedWrongly, 0);
  });
  test('GIVEN 20 positives, one low THEN declining that one (5%) is allowed to reach 90% of negatives', () => {
    const positives = [0.2, ...Array.from({ length: 19 }, () => 0.9)];
    const negatives = [...Array.from({ length: 9 }, () => 0.1), 0.25];
    const choice = chooseThreshold(positives, negatives);
    assert.equal(choice.feasible, true);
    assert.equal(choice.declinedCorrectly, 1);
    assert.equal(choice.declinedWrongly, 0.05);
  });
  test('GIVEN overlapping scores THEN the choice says it is infeasible, declines no more than 5% of answerable ones, and reports its rates', () => {
    const choice = chooseThreshold([0.1, 0.2, 0.3, 0.4], [0.35, 0.45]);
    assert.ok(choice.declinedWrongly <= 0.05, 'stays within 5% of answerable declined');
    assert.equal(choice.feasible, false);
    assert.deepEqual(
      declineRates(choice.threshold, [0.1, 0.2, 0.3, 0.4], [0.35, 0.45]).declinedCorrectly,
      choice.declinedCorrectly,
    );
  });
  test("GIVEN a threshold between two close scores THEN rounding it for the config keeps both on their side, and the rates are the rounded threshold's", () => {
    // 20 positives, one declinable (5%); the cut falls between a negative at 0.9535 and a positive at 0.9536.
    const positives = [0.2, 0.9536, ...Array.from({ length: 18 }, () => 1.2)];
    const negatives = [...Array.from({ length: 8 }, () => 0.1), 0.9535, 0.9];
    const choice = chooseThreshold(positives, negatives);
    assert.ok(choice.threshold > 0.9535 && choice.threshold < 0.9536);
    const rounded = roundedChoice(choice, positives, negatives);
    // 0.954 (three decimals) would decline the positive at 0.9536: 10% of positives, infeasible.
    assert.equal(rounded.threshold, 0.9536);
    assert.equal(rounded.declinedWrongly, 0.05);
    assert.equal(rounded.feasible, true);
    const coarse = roundedChoice({ ...choice, threshold: 0.954 }, positives, negatives);
    assert.equal(coarse.declinedWrongly, 0.1);
    assert.equal(coarse.feasible, false);
  });
});

describe('floor calibration', () => {
  test('GIVEN 100 positives THEN the floor leaves exactly the lowest 2 below it, midway to the next', () => {
    const positives = Array.from({ length: 100 }, (_, i) => 0.1 + i * 0.01);
    const floor = chooseFloor(positives);
    assert.equal(positives.filter((x) => x < floor).length, 2);
    assert.ok(Math.abs(floor - 0.115) < 1e-9, String(floor));
    assert.equal(positives.filter((x) => x < chooseFloor(positives, 0.05)).length, 5);
  });
  test('GIVEN fewer than 50 positives THEN no positive falls below the floor', () => {
    const floor = chooseFloor([0.4, 0.3, 0.9]);
    assert.ok(floor < 0.3 && floor > 0.29, String(floor));
  });
});

describe('set files', () => {
  test('GIVEN a question pointing at a missing paragraph THEN the set is refused with the question named', () => {
    assert.throws(
      () =>
        parseEvalSet(
          {
            articles: [{ id: 'a', title: 'A', paragraphs: ['x'] }],
            questions: [{ q: 'Where?', answer: 'x', article_id: 'a', paragraph_index: 3 }],
          },
          's',
        ),
      /Where\?.*paragraph 3/,
    );
  });
  test('GIVEN set articles THEN they become Articles with the set name as source and no date, section or url', () => {
    const set = parseEvalSet({ articles: [{ id: 'a', title: 'A', paragraphs: ['x'] }], questions: [] }, 'mini');
    assert.deepEqual(set.articles[0], {
      id: 'a',
      title: 'A',
      date: null,
      source: 'mini',
      section: null,
      url: null,
      paragraphs: ['x'],
    });
    assert.deepEqual(set.unanswerable, []);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end on the tiny model.

const MINI = {
  articles: [
    {
      id: 'harbour',
      title: 'Harbour wall <repaired>',
      paragraphs: [
        'The council said the harbour wall in Ashcombe would be repaired at a cost of 7,939 pounds next spring.',
        'Fishermen welcomed the decision, saying storms had battered the old stone wall for years.',
        'Short one.',
        'Work is due to start on Jan. 10 and to finish before the summer tourist season begins.',
      ],
    },
    {
      id: 'library',
      title: 'Library opens late',
      paragraphs: [
        'The town library will open until nine in the evening on weekdays from next month, the mayor announced.',
        'Volunteers will staff the extra hours, which were requested by students preparing for exams.',
      ],
    },
  ],
  questions: [
    {
      q: 'How much will the harbour wall repair cost?',
      answer: '7,939 pounds',
      article_id: 'harbour',
      paragraph_index: 0,
      style: 'lexical',
    },
    {
      q: 'When does work start, January 10?',
      answer: 'Jan. 10',
      article_id: 'harbour',
      paragraph_index: 3,
      style: 'lexical',
    },
    {
      q: 'Who asked for the extra hours?',
      answer: 'students',
      article_id: 'library',
      paragraph_index: 1,
      style: 'paraphrased',
    },
    {
      q: 'Zebra <script>alert(1)</script> quasar?',
      answer: 'nine in the evening',
      article_id: 'library',
      paragraph_index: 0,
      style: 'paraphrased',
    },
  ],
  unanswerable: ['What is the capital of Mongolia?'],
};

describe('evaluation run on a temporary index (tiny model)', () => {
  let userDataDir: string;
  let env: NodeJS.ProcessEnv;
  let set: EvalSet;
  let report: SetReport;
  let before_: Map<string, number>;

  const snapshot = (dir: string): Map<string, number> => {
    const out = new Map<string, number>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        const st = statSync(full);
        out.set(full, st.mtimeMs);
        if (st.isDirectory()) walk(full);
      }
    };
    walk(dir);
    return out;
  };

  before(async () => {
    userDataDir = mkdtempSync(join(tmpdir(), 'citebot-userdata-'));
    mkdirSync(join(userDataDir, 'models'));
    writeFileSync(join(userDataDir, 'models', 'keep.txt'), 'user file');
    writeFileSync(join(userDataDir, 'citebot.db'), 'not really a database');
    before_ = snapshot(userDataDir);
    env = testEnv(userDataDir, await tinyModel());
    set = parseEvalSet(MINI, 'mini');
    report = await evaluateSet(set, { env, modes: ['bm25', 'dense', 'hybrid'], k: 10 });
  });
  after(() => rmSync(userDataDir, { recursive: true, force: true }));

  test('GIVEN a user DATA_DIR THEN the evaluation leaves every file in it unchanged and adds none', () => {
    assert.deepEqual(snapshot(userDataDir), before_);
    assert.equal(readFileSync(join(userDataDir, 'citebot.db'), 'utf8'), 'not really a database');
  });

  test('GIVEN a temporary index THEN it lives outside DATA_DIR, gets a copy of the model cache, and is removed on close', async () => {
    const index = await openTempIndex({ env });
    assert.ok(!index.dataDir.startsWith(userDataDir));
    assert.ok(existsSync(join(index.dataDir, 'models', 'keep.txt')));
    await index.close();
    assert.equal(existsSync(index.dataDir), false);
  });

  test('GIVEN --json THEN each mode has the contract keys with numbers in range', () => {
    const json = toJson(report) as { set: string; modes: Record<string, Record<string, unknown>> };
    assert.equal(json.set, 'mini');
    assert.deepEqual(Object.keys(json.modes), ['bm25', 'dense', 'hybrid']);
    for (const m of Object.values(json.modes)) {
      for (const key of [
        'hit@1',
        'hit@3',
        'hit@5',
        'mrr@10',
        'declined_correctly',
        'declined_wrongly',
        'questions',
        'ingest_s',
        'query_ms_p50',
        'highlight_hit',
        'by_style',
      ]) {
        assert.ok(key in m, `missing ${key}`);
      }
      for (const key of ['hit@1', 'hit@3', 'hit@5', 'mrr@10', 'highlight_hit', 'declined_wrongly']) {
        const v = m[key] as number;
        assert.ok(v >= 0 && v <= 1, `${key} = ${v}`);
      }
      assert.equal(m.questions, 4);
      assert.deepEqual(Object.keys(m.by_style as object), ['lexical', 'paraphrased']);
    }
  });

  test('GIVEN lexical questions with "7,939" and "Jan. 10" THEN bm25 finds both at rank 1', () => {
    assert.equal(report.modes.bm25!.by_style.lexical!['hit@1'], 1);
  });

  test('GIVEN --report THEN the page holds an <svg> chart per mode and the missed question, escaped', () => {
    const html = renderHtml([report], [set]);
    const file = join(mkdtempSync(join(tmpdir(), 'citebot-report-')), 'out.html');
    writeFileSync(file, html);
    const written = readFileSync(file, 'utf8');
    assert.equal((written.match(/<svg /g) ?? []).length, 3);
    assert.match(written, /bm25: missed at rank 1/);
    assert.ok(written.includes('Zebra &lt;script&gt;alert(1)&lt;/script&gt; quasar?'));
    assert.ok(!written.includes('<script>'));
    assert.ok(written.includes('Harbour wall &lt;repaired&gt;'));
    rmSync(file, { force: true });
  });

  test('GIVEN text with markup THEN escapeHtml escapes & < > " and \'', () => {
    assert.equal(escapeHtml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });
});

describe('how sure: answered, hedged, nothing, and wrong confident answers', () => {
  test('GIVEN answered, hedged and unshown answerable questions and a confident unanswerable one THEN the shares are counted as the verdicts say', () => {
    const outcomes = [
      outcome(gold('a', 0), [p('a', 0)]), // answered, right
      outcome(gold('a', 1), [p('a', 0)]), // answered, wrong first passage
      outcome(gold('a', 2), [p('a', 2)], { declined: true, shown: true }), // hedged
      outcome(gold('a', 3), [p('a', 3)], { declined: true, shown: false }), // nothing shown
      outcome(null, [p('b', 0)]), // an unanswerable question answered confidently: wrong
    ];
    const m = summarize(outcomes);
    assert.equal(m.confident, 2 / 4);
    assert.equal(m.hedged, 1 / 4);
    assert.equal(m.answerable_nothing_shown, 1 / 4);
    assert.equal(m.confident_wrong, 2 / 3);
    assert.equal(summarize([outcome(gold('a', 0), [], { declined: true, shown: false })]).confident_wrong, null);
  });
});

describe('leave-one-set-out', () => {
  const metrics = (hit1: number): Metrics => ({ ...summarize([]), 'hit@1': hit1, 'mrr@10': hit1 });
  test("GIVEN a setting best on the other sets THEN it is the one measured on the set left out, beside that set's own best", () => {
    // Setting 1 wins on a and b, setting 0 only on c.
    const cells = [
      { setting: 0, set: 'a', metrics: metrics(0.5) },
      { setting: 0, set: 'b', metrics: metrics(0.5) },
      { setting: 0, set: 'c', metrics: metrics(0.9) },
      { setting: 1, set: 'a', metrics: metrics(0.7) },
      { setting: 1, set: 'b', metrics: metrics(0.6) },
      { setting: 1, set: 'c', metrics: metrics(0.4) },
    ];
    const [a, , c] = leaveOneSetOut(cells, 2, ['a', 'b', 'c']);
    assert.deepEqual([c!.chosen, c!.metrics['hit@1'], c!.oracle, c!.oracleMetrics['hit@1']], [1, 0.4, 0, 0.9]);
    // Left out a: b prefers 1 (0.6 > 0.5), c prefers 0 (0.9 > 0.4): the mean picks 0 (0.7 > 0.5).
    assert.deepEqual([a!.chosen, a!.metrics['hit@1'], a!.oracle], [0, 0.5, 1]);
  });
});
