/** Unit tests of the Discord layer's pure parts: reply formatting (exact strings), rate limits, settings, loader. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { buildAnswerReply, buildContextReply } from '../../src/bot/views/answer.ts';
import {
  buildIngestReply,
  buildQuestionsReply,
  buildSourcesReply,
  buildStatsReply,
} from '../../src/bot/views/library.ts';
import { COLOR, embedLength, escapeMarkdown, LIMITS, renderPassage, truncateText } from '../../src/bot/views/format.ts';
import { formatCitation } from '../../src/bot/views/answer.ts';
import { decodeCustomId, encodeCustomId } from '../../src/bot/custom-ids.ts';
import { rateLimitText } from '../../src/bot/member-text.ts';
import { CLOSEST_ONLY } from '../../src/format/text.ts';
import type { AskResult } from '../../src/engine-api.ts';
import type { LoggedQuestion } from '../../src/store/store-api.ts';
import { AskLimiter, RateLimiter } from '../../src/bot/rate-limit.ts';
import { loadBotConfig, parseRate } from '../../src/bot/config.ts';
import { collectionsFor } from '../../src/bot/context.ts';
import { loadCommands } from '../../src/bot/loader.ts';
import { CitebotError, ERROR_CODES, errorJson, UserError } from '../../src/errors.ts';
import { GENERIC_ERROR_TEXT, memberErrorText } from '../../src/bot/member-text.ts';

const cite = {
  title: "President Tokayev: Kazakhstan unrest was attempted coup d'etat",
  source: 'TRT World and agencies',
  date: '2022-01-10',
  url: null,
  article_id: 'a1',
  paragraph: 8,
};
const TOKEN = ['MTAwMDAwMDAwMDAwMDAwMDAw', 'GfakeX', 'emulator-only-token-not-a-real-secret'].join('.');

describe('format: truncation', () => {
  it('cuts at the last sentence boundary that fits, with " …"', () => {
    assert.equal(
      truncateText('The council met on Monday. It approved the budget after a long debate. Critics walked out.', 80),
      'The council met on Monday. It approved the budget after a long debate. …',
    );
  });
  it('falls back to a word boundary, never mid-word', () => {
    assert.equal(
      truncateText('The council met on Monday and approved the budget after a long debate that lasted hours', 40),
      'The council met on Monday and approved…',
    );
  });
  it('never cuts inside a markdown link or a URL', () => {
    assert.equal(
      truncateText('Read [the full council report](https://example.com/council/report-2024) for details', 40),
      'Read…',
    );
    assert.equal(
      truncateText('Details at https://example.com/a/very/long/path/to/the/report.html today', 50),
      'Details at…',
    );
  });
  it('does not treat abbreviations as sentence ends', () => {
    assert.equal(
      truncateText('Mr. Smith said the vote was close. Dr. Jones disagreed with him strongly on every point.', 60),
      'Mr. Smith said the vote was close. …',
    );
  });
  it('leaves short text alone and respects the limit exactly', () => {
    assert.equal(truncateText('Short.', 6), 'Short.');
    for (const max of [10, 33, 100, 1024]) {
      assert.ok(truncateText('word '.repeat(500), max).length <= max);
    }
  });
});

describe('format: passages and citations', () => {
  it('bolds the answering sentence and escapes markdown', () => {
    assert.equal(
      renderPassage(
        '"As of January 10, 7,939 people have been detained," the ministry said. Others_were *released*.',
        '"As of January 10, 7,939 people have been detained," the ministry said.',
        500,
      ),
      '**"As of January 10, 7,939 people have been detained," the ministry said.** Others\\_were \\*released\\*.',
    );
    assert.equal(
      escapeMarkdown('# not a heading\n> not a quote https://x.org/a_b'),
      '\\# not a heading\n\\> not a quote https://x.org/a_b',
    );
  });
  it('starts at the highlight when it lies beyond what fits', () => {
    const text = `${'Background sentence number one. '.repeat(10)}The answer is 42. A closing remark follows here.`;
    assert.equal(
      renderPassage(text, 'The answer is 42.', 80),
      '… Background sentence number one. **The answer is 42.** …',
    );
  });
  it('formats citations with and without a link', () => {
    assert.equal(
      formatCitation(cite),
      "— **President Tokayev: Kazakhstan unrest was attempted coup d'etat** · TRT World and agencies · 2022-01-10 · ¶8",
    );
    assert.equal(
      formatCitation({ ...cite, url: 'https://www.trtworld.com/asia/tokayev (1)' }),
      "— [President Tokayev: Kazakhstan unrest was attempted coup d'etat](https://www.trtworld.com/asia/tokayev%20%281%29) · TRT World and agencies · 2022-01-10 · ¶8",
    );
    assert.equal(
      formatCitation({ ...cite, url: 'javascript:alert(1)' }, { withTitle: false }),
      '— TRT World and agencies · 2022-01-10 · ¶8',
    );
  });
});

function result(partial: Partial<AskResult>): AskResult {
  return {
    question: 'how many were detained?',
    answered: true,
    answer: null,
    passages: [],
    articlesSearched: 7,
    tookMs: 41.6,
    questionId: 12,
    indexRebuilding: null,
    filter: null,
    ...partial,
  };
}

describe('format: /ask answers', () => {
  it('Context shows the cited paragraph whole and in bold between its neighbours, inside the embed limit; no button for an id too long for one', () => {
    const article = {
      id: 'a1',
      collection: 'library',
      title: 'Inquiry report',
      source: 'Gazette',
      date: '2024-01-02',
      url: 'https://gazette.example/inquiry',
      passages: 9,
    };
    const long = 'Witnesses described *the* night in detail. '.repeat(200);
    const reply = buildContextReply({
      article,
      total: 12,
      focus: 8,
      paragraphs: [
        { number: 7, text: long },
        { number: 8, text: 'The fire started at 2 a.m. in the_kitchen.' },
        { number: 9, text: long },
      ],
    });
    const embed = reply.embeds[0]!;
    assert.equal(embed.title, 'Inquiry report');
    assert.equal(embed.url, 'https://gazette.example/inquiry');
    assert.equal(embed.footer!.text, 'Paragraphs 7–9 of 12 · Gazette · 2024-01-02');
    assert.match(embed.description!, /^¶7 Witnesses described \\\*the\\\* night/);
    assert.match(embed.description!, /\n\n¶8 \*\*The fire started at 2 a\.m\. in the\\_kitchen\.\*\*\n\n¶9 Witnesses/);
    assert.ok(embed.description!.length <= LIMITS.description, String(embed.description!.length));
    assert.equal(encodeCustomId({ kind: 'ask:context', paragraph: 8, articleId: 'x'.repeat(90) }), null);
    assert.equal(
      encodeCustomId({ kind: 'ask:context', paragraph: 8, articleId: 'https://a.example/b' }),
      'ask:context:8:https://a.example/b',
    );
    assert.deepEqual(decodeCustomId('ask:context:8:https://a.example/b'), {
      kind: 'ask:context',
      paragraph: 8,
      articleId: 'https://a.example/b',
    });
  });
  it('names the other articles holding the best passage and a field passage, within the field limit', () => {
    const copy = (n: number, url: string | null) => ({
      ...cite,
      title: `Copy ${n}`,
      source: `Outlet ${n}`,
      url,
      article_id: `c${n}`,
      paragraph: n,
    });
    const longUrl = `https://outlet.example/${'a'.repeat(600)}`;
    const text = 'Nearly 8,000 people have been detained in Kazakhstan.';
    const reply = buildAnswerReply(
      result({
        passages: [
          {
            rank: 1,
            text,
            highlight: text,
            score: 0.9,
            citation: cite,
            also_in: [copy(1, 'https://outlet.example/1'), copy(2, null), copy(3, null), copy(4, null)],
          },
          {
            rank: 2,
            text,
            highlight: text,
            score: 0.8,
            citation: { ...cite, paragraph: 7 },
            also_in: [copy(5, longUrl)],
          },
        ],
      }),
      { offset: 0, count: 1, questionId: 12 },
    );
    const embed = reply.embeds[0]!;
    assert.match(
      embed.description!,
      /¶8\nAlso in: \[Copy 1\]\(https:\/\/outlet\.example\/1\) · Outlet 1 · 2022-01-10 · ¶1; \*\*Copy 2\*\* · Outlet 2 · 2022-01-10 · ¶2; \*\*Copy 3\*\* · Outlet 3 · 2022-01-10 · ¶3 and 1 more article$/,
    );
    const field = embed.fields![0]!;
    assert.ok(field.value.endsWith('¶7\nAlso in: **Copy 5** · Outlet 5 · 2022-01-10 · ¶5'), field.value);
    assert.ok(field.value.length <= LIMITS.fieldValue);
  });
  it('builds the exact answer embed, fields, footer and buttons', () => {
    const reply = buildAnswerReply(
      result({
        answer: '7,939',
        passages: [
          {
            rank: 1,
            text: '"As of January 10, 7,939 people have been detained," the interior ministry said.',
            highlight: '"As of January 10, 7,939 people have been detained," the interior ministry said.',
            score: 0.9,
            citation: { ...cite, url: 'https://www.trtworld.com/asia/tokayev' },
            also_in: [],
          },
          {
            rank: 2,
            text: 'Nearly 8,000 people have been detained in Kazakhstan.',
            highlight: 'Nearly 8,000 people have been detained in Kazakhstan.',
            score: 0.8,
            citation: { ...cite, paragraph: 7 },
            also_in: [],
          },
        ],
      }),
      { offset: 0, count: 1, questionId: 12 },
    );
    assert.deepEqual(reply.embeds, [
      {
        title: 'how many were detained?',
        description:
          '**7,939**\n\n**"As of January 10, 7,939 people have been detained," the interior ministry said.**\n\n— [President Tokayev: Kazakhstan unrest was attempted coup d\'etat](https://www.trtworld.com/asia/tokayev) · TRT World and agencies · 2022-01-10 · ¶8',
        color: 0x2b6cb0,
        fields: [
          {
            name: "2. President Tokayev: Kazakhstan unrest was attempted coup d'etat",
            value:
              '**Nearly 8,000 people have been detained in Kazakhstan.**\n— TRT World and agencies · 2022-01-10 · ¶7',
          },
        ],
        footer: { text: 'Searched 7 articles in 42 ms' },
      },
    ]);
    assert.deepEqual(reply.components, [
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'More passages', custom_id: 'ask:more:12:2:1' },
          { type: 2, style: 2, emoji: { name: '👍' }, custom_id: 'ask:vote:12:up' },
          { type: 2, style: 2, emoji: { name: '👎' }, custom_id: 'ask:vote:12:down' },
          { type: 2, style: 2, label: 'Context', custom_id: 'ask:context:8:a1' },
          { type: 2, style: 5, label: 'Open article', url: 'https://www.trtworld.com/asia/tokayev' },
        ],
      },
    ]);
  });

  it('says plainly when nothing supports an answer and suggests /sources', () => {
    const reply = buildAnswerReply(
      result({ question: 'who won the 1998 world cup?', answered: false, articlesSearched: 1 }),
      { offset: 0, count: 2, questionId: 4 },
    );
    assert.deepEqual(reply.embeds[0], {
      title: 'who won the 1998 world cup?',
      description:
        "I couldn't find anything in the articles I can search that answers this question.\nTry `/sources` to see which articles I have, or ask it another way.",
      color: 0x718096,
      footer: { text: 'Searched 1 article in 42 ms' },
    });
    assert.deepEqual(reply.components, []);
  });

  it('GIVEN only the closest passages (below the answer threshold) THEN it shows them under a caution, with no answer line', () => {
    const passage = {
      rank: 1,
      text: '"As of January 10, 7,939 people have been detained," the interior ministry said.',
      highlight: '"As of January 10, 7,939 people have been detained," the interior ministry said.',
      score: 0.43,
      citation: cite,
      also_in: [],
    };
    const reply = buildAnswerReply(
      result({ question: 'how many were arrested?', answered: false, answer: null, passages: [passage] }),
      { offset: 0, count: 2, questionId: 5 },
    );
    const embed = reply.embeds[0]!;
    assert.equal(embed.color, COLOR.closest);
    assert.ok(embed.description!.startsWith(`*${CLOSEST_ONLY}*\n\n`), embed.description);
    assert.match(embed.description!, /7,939 people have been detained/);
    assert.match(embed.description!, /Kazakhstan/);
    assert.doesNotMatch(embed.description!, /\*\*7,939\*\*\n/);
  });

  it('keeps a huge answer within every Discord limit, cutting at sentence boundaries', () => {
    const long = 'Sentence number one is here. '.repeat(300);
    const passages = Array.from({ length: 6 }, (_, i) => ({
      rank: i + 1,
      text: i === 0 ? `${long}The key fact is 7,939 detained.` : long,
      highlight: i === 0 ? 'The key fact is 7,939 detained.' : 'Sentence number one is here.',
      score: 1 - i / 10,
      citation: { ...cite, paragraph: i + 1 },
      also_in: [],
    }));
    const reply = buildAnswerReply(result({ question: 'q'.repeat(400), answer: '7,939', passages }), {
      offset: 0,
      count: 5,
      questionId: 1,
    });
    const e = reply.embeds[0]!;
    assert.equal(e.title!.length, LIMITS.title);
    assert.ok(e.description!.length <= LIMITS.description);
    assert.ok(embedLength(e) <= LIMITS.embedTotal, `total ${embedLength(e)}`);
    assert.equal(e.fields!.length, 5);
    for (const f of e.fields!) {
      assert.ok(f.value.length <= LIMITS.fieldValue);
      assert.match(
        f.value,
        /Sentence number one is here\.\*\* …\n— TRT World and agencies · 2022-01-10 · ¶\d$|here\. …\n— TRT/,
      );
    }
    assert.ok(e.description!.startsWith('**7,939**\n\n… Sentence number one is here. '));
    assert.ok(
      e.description!.endsWith(
        "**The key fact is 7,939 detained.**\n\n— **President Tokayev: Kazakhstan unrest was attempted coup d'etat** · TRT World and agencies · 2022-01-10 · ¶1",
      ),
    );
  });
});

describe('format: other replies', () => {
  it('/ingest outcome', () => {
    assert.deepEqual(
      buildIngestReply([{ articleId: 'x', title: 'Harbour *bridge* closes', status: 'added', passages: 4 }]).embeds[0],
      {
        title: 'Ingested 1 article',
        description: '**Harbour \\*bridge\\* closes** — 4 passages · new',
        color: 0x2f855a,
      },
    );
  });
  it('/sources page with paging buttons', () => {
    const reply = buildSourcesReply(
      [
        {
          id: 'a',
          collection: 'library',
          title: 'Wheat harvest',
          source: 'Farm Weekly',
          date: '2021-08-02',
          url: 'https://farm.example/wheat',
          passages: 5,
        },
      ],
      11,
      10,
      { search: '' },
      'library',
    );
    assert.equal(
      reply.embeds[0]!.description,
      '11. [Wheat harvest](https://farm.example/wheat) — Farm Weekly · 2021-08-02 · 5 passages',
    );
    assert.equal(reply.embeds[0]!.footer!.text, '11–11 of 11 articles');
    assert.deepEqual(
      reply.components[0]!.components.map((b: { custom_id?: string; disabled?: boolean }) => [b.custom_id, b.disabled]),
      [
        ['sources:list:0:::0:', false],
        ['sources:list:11:::0:', true],
      ],
    );
  });
  it('/sources buttons carry the search and the filter, even with ":" in both, and read back', () => {
    const query = { search: 'a: b', filter: { since: '2022-01-01', until: '2022-12-31', source: 'Wire: Europe' } };
    const action = { kind: 'sources:list', offset: 20, search: query.search, filter: query.filter } as const;
    const id = encodeCustomId(action)!;
    assert.equal(id, 'sources:list:20:2022-01-01:2022-12-31:12:Wire: Europea: b');
    assert.deepEqual(decodeCustomId(id), action);
    // Lists posted before filters existed.
    assert.deepEqual(decodeCustomId('sources:page:10:market: stall'), {
      kind: 'sources:list',
      offset: 10,
      search: 'market: stall',
      filter: { since: null, until: null, source: null },
    });
  });
  it('/sources with a filter says so; too long a query for a button leaves the list without paging, and says why', () => {
    const article = {
      id: 'a',
      collection: 'library',
      title: 'Wheat harvest',
      source: 'Farm Weekly',
      date: '2021-08-02',
      url: null,
      passages: 5,
    };
    const filtered = buildSourcesReply(
      [article],
      12,
      0,
      { search: '', filter: { since: '2021-01-01', source: 'farm' } },
      'library',
    );
    assert.equal(
      filtered.embeds[0]!.footer!.text,
      '1–1 of 12 articles dated 2021-01-01 or later, from a source matching "farm"',
    );
    assert.equal(filtered.components.length, 1);
    const long = buildSourcesReply(
      [article],
      12,
      0,
      { search: 'x'.repeat(45), filter: { source: 'y'.repeat(40) } },
      'library',
    );
    assert.deepEqual(long.components, []);
    assert.match(long.embeds[0]!.footer!.text!, / · shorten the search or the source to page through them$/);
    const none = buildSourcesReply([], 0, 0, { search: 'harvest', filter: { until: '2019-12-31' } }, 'library');
    assert.equal(none.embeds[0]!.description, 'No article with that title is dated 2019-12-31 or earlier.');
  });
  it('/stats', () => {
    const reply = buildStatsReply(
      {
        store: { backend: 'postgres', location: 'postgres://citebot@db.example/citebot' },
        articles: 3,
        passages: 20,
        model: 'tiny',
        dim: 64,
        reranker: 'Xenova/ms-marco-MiniLM-L-6-v2',
        indexSize: 20,
        indexRebuilding: null,
        questionsAsked: 5,
        unanswered: [{ question: 'who won?', askedAt: '2026-11-25T10:00:00.000Z' }],
        mostAsked: [
          { question: 'who won?', times: 3, answered: 0 },
          { question: 'how *many* came?', times: 2, answered: 2 },
        ],
        downvoted: [{ question: 'when does it open?', askedAt: '2026-11-25T09:30:00.000Z', down: 2 }],
        feedback: { up: 2, down: 1 },
      },
      'Newsroom',
    );
    assert.deepEqual(
      reply.embeds[0]!.fields!.map((f) => `${f.name}: ${f.value}`),
      [
        'Articles: 3',
        'Passages: 20',
        'Index size: 20 vectors (whole index)',
        'Store: PostgreSQL',
        'Model: tiny (64 dimensions), re-ranked by Xenova/ms-marco-MiniLM-L-6-v2',
        'Questions asked: 5',
        'Feedback: 👍 2 · 👎 1',
        'Unanswered questions (most recent first): • who won? (2026-11-25 10:00)',
        'Asked most often: • who won? — 3×, never answered\n• how \\*many\\* came? — 2×, answered 2×',
        'Replies marked 👎 (most recent first): • when does it open? (2026-11-25 09:30, 👎 2)',
      ],
    );
    assert.equal(reply.embeds[0]!.footer!.text, 'Every question asked here, page by page: /questions');
  });
  it('says while the vector index is rebuilt in the background, in /stats and under every answer', () => {
    const rebuilding = { indexed: 42_500, total: 100_000 };
    const stats = buildStatsReply(
      {
        store: { backend: 'sqlite', location: '/data/citebot.db' },
        articles: 9000,
        passages: 100_000,
        model: 'tiny',
        dim: 64,
        reranker: null,
        indexSize: 42_500,
        indexRebuilding: rebuilding,
        questionsAsked: 0,
        unanswered: [],
        mostAsked: [],
        downvoted: [],
        feedback: { up: 0, down: 0 },
      },
      'Newsroom',
    );
    assert.equal(
      stats.embeds[0]!.fields!.find((f) => f.name === 'Index size')!.value,
      '42,500 of 100,000 vectors (rebuilding)',
    );
    const answer = buildAnswerReply(
      result({
        indexRebuilding: rebuilding,
        passages: [{ rank: 1, text: 'Some text.', highlight: 'Some text.', score: 0.9, citation: cite, also_in: [] }],
      }),
      { offset: 0, count: 3, questionId: null },
    );
    assert.equal(
      answer.embeds[0]!.footer!.text,
      'Searched 7 articles in 42 ms\nThe search index is being rebuilt (42% done): passages not yet indexed were found by their words only.',
    );
  });
  it('rate-limit text uses a Discord relative timestamp', () => {
    assert.equal(
      rateLimitText('user', 1_700_000_000_500),
      "You're asking questions faster than I can answer them. You can ask again <t:1700000001:R>.",
    );
    assert.equal(
      rateLimitText('guild', 1_700_000_060_000),
      'This server is asking a lot of questions right now. Please try again <t:1700000060:R>.',
    );
  });

  it('/questions pages: the newest page, an older one, and one past the end', () => {
    const q = (id: number, extra: Partial<Pick<LoggedQuestion, 'answered' | 'up' | 'down' | 'filter'>> = {}) => ({
      id,
      collection: 'g1',
      question: `question *${id}*`,
      answered: true,
      askedAt: '2026-11-25T14:02:09.000Z',
      up: 0,
      down: 0,
      filter: null,
      ...extra,
    });
    const empty = buildQuestionsReply([], {
      filter: 'unanswered',
      scope: 'Newsroom',
      hasOlder: false,
      fromNewest: true,
    });
    assert.equal(empty.embeds[0]!.title, 'Questions no passage answered — Newsroom');
    assert.equal(empty.embeds[0]!.description, 'Every question asked here was answered.');
    assert.deepEqual(empty.components, []);
    const page = buildQuestionsReply([q(9, { answered: false }), q(8, { up: 2, down: 1 })], {
      filter: 'all',
      scope: 'Newsroom',
      hasOlder: true,
      fromNewest: true,
    });
    assert.equal(
      page.embeds[0]!.description,
      '`2026-11-25 14:02` **not answered**\nquestion \\*9\\*\n`2026-11-25 14:02` answered · 👍 2 👎 1\nquestion \\*8\\*',
    );
    const limited = buildQuestionsReply([q(7, { filter: { since: '2022-01-01', source: 'Wire_1' } })], {
      filter: 'all',
      scope: 'Newsroom',
      hasOlder: false,
      fromNewest: true,
    });
    assert.equal(
      limited.embeds[0]!.description,
      '`2026-11-25 14:02` answered · articles dated 2022-01-01 or later, from a source matching "Wire\\_1"\nquestion \\*7\\*',
    );
    const [newest, older] = page.components[0]!.components as { custom_id: string; disabled: boolean }[];
    assert.deepEqual(
      [newest!.custom_id, newest!.disabled, older!.custom_id, older!.disabled],
      ['questions:page:all:0', true, 'questions:page:all:8', false],
    );
    const past = buildQuestionsReply([], {
      filter: 'downvoted',
      scope: 'Newsroom',
      hasOlder: false,
      fromNewest: false,
    });
    assert.equal(past.embeds[0]!.description, 'No older questions.');
    assert.deepEqual(
      (past.components[0]!.components as { custom_id: string; disabled: boolean }[]).map((b) => [
        b.custom_id,
        b.disabled,
      ]),
      [['questions:page:downvoted:0', false]],
    );
  });
});

describe('rate limits', () => {
  it('reads "N/unit" rates and refuses unknown units, including names every object has', () => {
    assert.deepEqual(parseRate('10/30s'), { limit: 10, windowMs: 30_000, text: '10/30s' });
    assert.equal(parseRate('5/fortnight'), null);
    assert.equal(parseRate('5/constructor'), null);
  });
  it('token bucket per user, then refills', () => {
    let now = 0;
    const limiter = new AskLimiter(parseRate('2/min')!, parseRate('3/min')!, () => now);
    assert.equal(limiter.check('u1', 'g'), null);
    assert.equal(limiter.check('u1', 'g'), null);
    assert.deepEqual(limiter.check('u1', 'g'), { scope: 'user', retryAt: 30_000 });
    assert.equal(limiter.check('u2', 'g'), null);
    assert.deepEqual(limiter.check('u3', 'g'), { scope: 'guild', retryAt: 20_000 });
    now = 30_000;
    assert.equal(limiter.check('u1', 'g'), null);
  });
  it('a clock that ticks between readings never limits a server with tokens to spare (the 50-question burst once got "asking a lot of questions")', () => {
    let now = 1_000;
    const limiter = new AskLimiter(parseRate('100/min')!, parseRate('1000/min')!, () => now++);
    for (let i = 0; i < 50; i++) assert.equal(limiter.check(`u${i}`, 'g'), null, `question ${i}`);
  });
  it('parses rates', () => {
    assert.deepEqual(parseRate('10/30s'), { limit: 10, windowMs: 30_000, text: '10/30s' });
    assert.equal(parseRate('five per minute'), null);
    const r = new RateLimiter(parseRate('1/hour')!, () => 0);
    r.take('k');
    assert.equal(r.retryAt('k'), 3_600_000);
  });
});

describe('bot settings', () => {
  it('lists every problem at once and never echoes the token', () => {
    const bad = `${TOKEN.slice(0, 30)}`;
    try {
      loadBotConfig({ DISCORD_TOKEN: bad, ASK_RATE_USER: 'lots', SHARE_LIBRARY: 'maybe' });
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof CitebotError);
      assert.equal(error.code, 'config_invalid');
      assert.match(error.message, /DISCORD_TOKEN is malformed/);
      assert.match(error.message, /DISCORD_APPLICATION_ID is missing/);
      assert.match(error.message, /ASK_RATE_USER must look like/);
      assert.match(error.message, /SHARE_LIBRARY must be true or false/);
      assert.ok(!error.message.includes(bad));
    }
    assert.throws(() => loadBotConfig({ DISCORD_APPLICATION_ID: '123456789012345678' }), /DISCORD_TOKEN is missing/);
  });
  it('defaults', () => {
    const c = loadBotConfig({
      DISCORD_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: '123456789012345678',
      ASK_CHANNELS: '#ask-news, 123456789012345679',
    });
    assert.equal(c.apiUrl, 'https://discord.com/api');
    assert.deepEqual(c.askChannels, ['ask-news', '123456789012345679']);
    assert.equal(c.shareLibrary, true);
    assert.equal(c.rateUser.limit, 5);
    assert.equal(c.rateGuild.limit, 60);
    assert.deepEqual(collectionsFor('999', c), ['library', '999']);
    assert.deepEqual(collectionsFor(null, c), ['library']);
    assert.deepEqual(collectionsFor('999', { shareLibrary: false }), ['999']);
    assert.equal(c.browseRateUser.limit, 60);
    assert.equal(c.browseRateGuild.limit, 600);
  });
});

describe('errors for members', () => {
  it('GIVEN an operator error THEN a member sees a safe line chosen by its code, never the operator instructions', () => {
    const mismatch = new UserError(
      'index_model_mismatch',
      'the index in /data was built with minilm, which is not available now; rebuild it: npm run cli -- reindex --model auto',
    );
    assert.equal(
      memberErrorText(mismatch),
      "I can't search right now: my set-up needs attention from whoever runs me. They can see why in my logs; please try again later.",
    );
    assert.equal(memberErrorText(new CitebotError('internal', 'the embedding pool is closed')), GENERIC_ERROR_TEXT);
    assert.equal(memberErrorText(new Error('boom')), GENERIC_ERROR_TEXT);
  });
  it('GIVEN a member error THEN its own message is shown, without any prefix', () => {
    const bad = new UserError(
      'bad_filter',
      'until "2022-02-30" is not a date; write it as 2022-01-10, 2022-01 or 2022',
    );
    assert.equal(memberErrorText(bad), 'until "2022-02-30" is not a date; write it as 2022-01-10, 2022-01 or 2022');
    assert.equal(bad.message.startsWith('citebot'), false);
  });
  it('GIVEN every error code THEN it has one audience and a stated meaning', () => {
    for (const [code, { audience, means }] of Object.entries(ERROR_CODES)) {
      assert.ok(audience === 'member' || audience === 'operator', code);
      assert.ok(means.length > 10, code);
    }
    assert.ok(!('not_found' in ERROR_CODES), 'not_found covered unrelated failures; it was split');
  });
  it('GIVEN --json THEN a failure is {"error": {"code", "message"}}', () => {
    assert.deepEqual(
      errorJson(new UserError('store_missing', 'there is no store at /x/citebot.db to back up (check DATA_DIR)')),
      {
        error: { code: 'store_missing', message: 'there is no store at /x/citebot.db to back up (check DATA_DIR)' },
      },
    );
    assert.deepEqual(errorJson(new TypeError('x is undefined')), {
      error: { code: 'internal', message: 'x is undefined' },
    });
  });
});

describe('custom ids', () => {
  it('GIVEN every action THEN decoding its id gives it back', () => {
    const actions = [
      { kind: 'ask:more', questionId: 12, offset: 3, count: 2 },
      { kind: 'ask:vote', questionId: 12, vote: 'down' },
      { kind: 'ask:context', paragraph: 4, articleId: 'https://x.example/a:b' },
      {
        kind: 'sources:list',
        offset: 10,
        search: 'harbour',
        filter: { since: '2021-01-01', until: null, source: 'Wire: EU' },
      },
      { kind: 'questions:page', filter: 'downvoted', beforeId: 77 },
    ] as const;
    for (const action of actions) assert.deepEqual(decodeCustomId(encodeCustomId(action)!), action);
  });
  it('GIVEN an id citebot never wrote THEN decoding throws button_invalid', () => {
    for (const id of ['ask:more:x:1:2', 'ask:vote::up', 'feed:unfollow:3', 'nonsense']) {
      assert.throws(
        () => decodeCustomId(id),
        (e: unknown) => e instanceof UserError && e.code === 'button_invalid',
        id,
      );
    }
  });
});

describe('command loader', () => {
  it('loads every command of commands/ and warns, with the file path, about broken modules', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const real = await loadCommands(log);
    assert.deepEqual([...real.byName.values()].map((c) => [c.data.name, c.kind, c.moderatorOnly !== false]).sort(), [
      ['Ask citebot', 'message-menu', false],
      ['ask', 'slash', false],
      ['feed', 'slash', true],
      ['forget', 'slash', true],
      ['ingest', 'slash', true],
      ['questions', 'slash', true],
      ['sources', 'slash', false],
      ['stats', 'slash', true],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'citebot-cmds-'));
    const data = (name: string, type = 1) =>
      `{ name: '${name}', toJSON() { return { name: '${name}', type: ${type} }; } }`;
    writeFileSync(
      join(dir, 'no-run.mjs'),
      `export default { kind: 'slash', moderatorOnly: false, data: ${data('x')} };\n`,
    );
    writeFileSync(join(dir, 'broken.mjs'), 'export const = ;\n');
    writeFileSync(
      join(dir, 'old-shape.mjs'),
      `export const data = ${data('old')};\nexport async function execute() {}\n`,
    );
    writeFileSync(
      join(dir, 'wrong-kind.mjs'),
      `export default { kind: 'slash', moderatorOnly: false, data: ${data('menu', 3)}, async run() {} };\n`,
    );
    writeFileSync(
      join(dir, 'ok.mjs'),
      `export default { kind: 'slash', moderatorOnly: 'do things', data: ${data('ok')}, async run() {} };\n`,
    );
    const loaded = await loadCommands(log, dir);
    assert.deepEqual([...loaded.byName.keys()], ['ok']);
    assert.equal(loaded.skipped.length, 4);
    assert.ok(lines.some((l) => l.includes('no-run.mjs') && l.includes('no `run` (the handler)')));
    assert.ok(lines.some((l) => l.includes('broken.mjs') && l.includes('failed to load')));
    assert.ok(lines.some((l) => l.includes('old-shape.mjs') && l.includes('no default export')));
    assert.ok(
      lines.some(
        (l) =>
          l.includes('wrong-kind.mjs') &&
          l.includes('`kind` is \\"slash\\" but `data` builds an application command of type 3'),
      ),
    );
  });
});
