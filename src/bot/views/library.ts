/** Views of the library and the question log: /sources, /ingest, /forget, /stats, /questions. */
import type { APIButtonComponent, APIEmbedField } from 'discord.js';
import type { ArticleSummary, CollectionStats, IngestOutcome, LoggedQuestion } from '../../engine-api.ts';
import { feedHealth, feedHealthBrief } from '../../format/feeds.ts';
import { describeFilter, isoMinute } from '../../format/text.ts';
import { feedName } from '../../ingest/feeds/provenance.ts';
import type { FollowedFeed } from '../../store/store-api.ts';
import type { ArticleFilter } from '../../types.ts';
import { encodeCustomId, type QuestionListFilter } from '../custom-ids.ts';
import {
  COLOR,
  escapeLinkText,
  escapeMarkdown,
  LIMITS,
  plural,
  safeUrl,
  truncateText,
  type DiscordReply,
} from './format.ts';

export const SOURCES_PAGE_SIZE = 10;

/** What a /sources list shows: titles containing `search`, within `filter`. */
export interface SourcesQuery {
  search: string;
  filter?: ArticleFilter;
}

/** The button id of a page of `query`; null when too long for Discord (the list then has no paging buttons rather than pages of a cut search). */
function sourcesPageId(offset: number, query: SourcesQuery): string | null {
  const filter = {
    since: query.filter?.since ?? null,
    until: query.filter?.until ?? null,
    source: query.filter?.source ?? null,
  };
  return encodeCustomId({ kind: 'sources:list', offset, search: query.search, filter });
}

/** What /sources shows about followed feeds: the feed each listed article came from, and the feeds in scope. */
export interface SourcesFeeds {
  of(article: ArticleSummary): FollowedFeed | null;
  feeds: readonly FollowedFeed[];
}

/**
 * The followed feeds as an embed field: name, articles, health. With `detail` (moderators, /stats)
 * a server's own feeds show their last error's text; the shared library's never do (an error can
 * name the operator's intranet hosts), and members (/sources) see only when a feed last worked or failed.
 */
export function feedsField(
  feeds: readonly FollowedFeed[],
  libraryCollection: string,
  detail: boolean,
): APIEmbedField | null {
  if (feeds.length === 0) return null;
  const lines = feeds.map((f) => {
    const shared = f.collection === libraryCollection;
    const health = detail && !shared ? feedHealth(f) : feedHealthBrief(f);
    return `${f.id} · ${escapeMarkdown(truncateText(feedName(f), 60))}${shared ? ' (shared library)' : ''} · ${plural(f.items, 'article')} · ${escapeMarkdown(truncateText(health, 300))}`;
  });
  return { name: 'Feeds', value: truncateText(lines.join('\n'), LIMITS.fieldValue) };
}

export function buildSourcesReply(
  articles: ArticleSummary[],
  total: number,
  offset: number,
  query: SourcesQuery,
  libraryCollection: string,
  feeds?: SourcesFeeds,
): DiscordReply {
  const { search, filter } = query;
  const title = search ? truncateText(`Articles matching “${search}”`, LIMITS.title) : 'Articles I can search here';
  const within = filter ? describeFilter(filter) : '';
  if (total === 0) {
    const description = within
      ? `No article${search ? ' with that title' : ''} is ${escapeMarkdown(within)}.`
      : search
        ? 'No article title matches that search.'
        : 'No articles yet. A moderator can add some with `/ingest`.';
    return { embeds: [{ title, description, color: COLOR.info }], components: [] };
  }
  const lines = articles.map((a, i) => {
    const url = safeUrl(a.url);
    const name = truncateText(a.title.replace(/\s+/g, ' ').trim(), 150);
    const head = url ? `[${escapeLinkText(name)}](${url})` : `**${escapeMarkdown(name)}**`;
    const feed = feeds?.of(a);
    const meta = [
      a.author ? `by ${escapeMarkdown(truncateText(a.author, 60))}` : null,
      a.source ? escapeMarkdown(truncateText(a.source, 60)) : null,
      a.date,
      plural(a.passages, 'passage'),
      feed ? `via feed ${feed.id} ${escapeMarkdown(truncateText(feedName(feed), 40))}` : null,
    ].filter(Boolean);
    const own = a.collection === libraryCollection ? '' : ' · added in this server';
    return `${offset + i + 1}. ${head} — ${meta.join(' · ')}${own}`;
  });
  let description = lines.join('\n');
  while (description.length > LIMITS.description) description = description.slice(0, description.lastIndexOf('\n'));
  const last = offset + articles.length;
  const previousId = sourcesPageId(Math.max(0, offset - SOURCES_PAGE_SIZE), query);
  const nextId = sourcesPageId(last, query);
  const pageable = total > SOURCES_PAGE_SIZE && previousId !== null && nextId !== null;
  const footer = [`${offset + 1}–${last} of ${plural(total, 'article')}${within ? ` ${within}` : ''}`];
  if (total > SOURCES_PAGE_SIZE && !pageable) footer.push('shorten the search or the source to page through them');
  const buttons: APIButtonComponent[] = pageable
    ? [
        { type: 2, style: 2, label: '◀ Previous', custom_id: previousId, disabled: offset === 0 },
        { type: 2, style: 2, label: 'Next ▶', custom_id: nextId, disabled: last >= total },
      ]
    : [];
  const field = feeds ? feedsField(feeds.feeds, libraryCollection, false) : null;
  return {
    embeds: [
      {
        title,
        description,
        color: COLOR.info,
        ...(field ? { fields: [field] } : {}),
        footer: { text: truncateText(footer.join(' · '), LIMITS.footer) },
      },
    ],
    components: pageable ? [{ type: 1, components: buttons }] : [],
  };
}

const STATUS_WORD: Record<IngestOutcome['status'], string> = {
  added: 'new',
  updated: 'updated',
  unchanged: 'unchanged',
};

/** `skipped`: records of the input left out (bad NDJSON lines), each with its reason. */
export function buildIngestReply(
  outcomes: IngestOutcome[],
  skipped: readonly { label: string; reason: string }[] = [],
): DiscordReply {
  const lines = outcomes.map(
    (o) =>
      `**${escapeMarkdown(truncateText(o.title, 200))}** — ${plural(o.passages, 'passage')} · ${STATUS_WORD[o.status]}`,
  );
  for (const bad of skipped.slice(0, 5))
    lines.push(`Skipped ${escapeMarkdown(bad.label)}: ${escapeMarkdown(truncateText(bad.reason, 200))}`);
  if (skipped.length > 5) lines.push(`…and ${skipped.length - 5} more skipped lines`);
  let description = lines.join('\n');
  if (description.length > LIMITS.description) description = truncateText(description, LIMITS.description);
  const title = outcomes.length === 1 ? 'Ingested 1 article' : `Ingested ${outcomes.length} articles`;
  return { embeds: [{ title, description, color: COLOR.ok }], components: [] };
}

export function buildForgetReply(article: ArticleSummary): DiscordReply {
  return {
    embeds: [
      {
        title: 'Article removed',
        description: `**${escapeMarkdown(truncateText(article.title, 300))}** (${plural(article.passages, 'passage')}) will no longer be used to answer questions in this server.`,
        color: COLOR.ok,
      },
    ],
    components: [],
  };
}

/** One bullet per item, cut to fit an embed field; "None" when empty. */
function bulletField<T>(items: readonly T[], line: (item: T) => string): string {
  return items.length ? truncateText(items.map((item) => `• ${line(item)}`).join('\n'), LIMITS.fieldValue) : 'None';
}

const questionText = (question: string) => escapeMarkdown(truncateText(question.replace(/\s+/g, ' ').trim(), 150));

export function buildStatsReply(stats: CollectionStats, scope: string): DiscordReply {
  const fields: APIEmbedField[] = [
    { name: 'Articles', value: stats.articles.toLocaleString('en-US'), inline: true },
    { name: 'Passages', value: stats.passages.toLocaleString('en-US'), inline: true },
    {
      name: 'Index size',
      value: stats.indexRebuilding
        ? `${stats.indexSize.toLocaleString('en-US')} of ${stats.indexRebuilding.total.toLocaleString('en-US')} vectors (rebuilding)`
        : `${stats.indexSize.toLocaleString('en-US')} vectors (whole index)`,
      inline: true,
    },
    // The backend only: the location names hosts that are the operator's business.
    { name: 'Store', value: stats.store.backend === 'postgres' ? 'PostgreSQL' : 'SQLite', inline: true },
    {
      name: 'Model',
      value: truncateText(
        `${stats.model}${stats.dim ? ` (${stats.dim} dimensions)` : ''}${stats.reranker ? `, re-ranked by ${stats.reranker}` : ''}`,
        LIMITS.fieldValue,
      ),
      inline: true,
    },
    { name: 'Questions asked', value: stats.questionsAsked.toLocaleString('en-US'), inline: true },
    { name: 'Feedback', value: `👍 ${stats.feedback.up} · 👎 ${stats.feedback.down}`, inline: true },
    {
      name: 'Unanswered questions (most recent first)',
      value: bulletField(stats.unanswered, (u) => `${questionText(u.question)} (${isoMinute(u.askedAt)})`),
    },
    {
      name: 'Asked most often',
      value: bulletField(
        stats.mostAsked,
        (m) =>
          `${questionText(m.question)} — ${m.times}×, ${m.answered === 0 ? 'never answered' : `answered ${m.answered}×`}`,
      ),
    },
    {
      name: 'Replies marked 👎 (most recent first)',
      value: bulletField(stats.downvoted, (d) => `${questionText(d.question)} (${isoMinute(d.askedAt)}, 👎 ${d.down})`),
    },
  ];
  return {
    embeds: [
      {
        title: truncateText(`citebot statistics — ${scope}`, LIMITS.title),
        fields,
        color: COLOR.info,
        footer: { text: 'Every question asked here, page by page: /questions' },
      },
    ],
    components: [],
  };
}

export const QUESTIONS_PAGE_SIZE = 10;

const QUESTION_LIST: Record<QuestionListFilter, { title: string; empty: string }> = {
  all: { title: 'Questions asked', empty: 'Nobody has asked a question here yet.' },
  unanswered: { title: 'Questions no passage answered', empty: 'Every question asked here was answered.' },
  downvoted: { title: 'Replies marked 👎', empty: 'No reply here has been marked 👎.' },
};

/** A page's button id: the filter and the id below which the page starts (always short enough). */
function questionsPageId(filter: QuestionListFilter, beforeId: number): string {
  return encodeCustomId({ kind: 'questions:page', filter, beforeId })!;
}

/**
 * A page of the question log for moderators, newest first. `hasOlder` says whether a further
 * page exists; `fromNewest` whether this page starts at the newest question.
 */
export function buildQuestionsReply(
  questions: LoggedQuestion[],
  view: { filter: QuestionListFilter; scope: string; hasOlder: boolean; fromNewest: boolean },
): DiscordReply {
  const { title, empty } = QUESTION_LIST[view.filter];
  const heading = truncateText(`${title} — ${view.scope}`, LIMITS.title);
  const newest: APIButtonComponent = {
    type: 2,
    style: 2,
    label: '◀ Newest',
    custom_id: questionsPageId(view.filter, 0),
    disabled: view.fromNewest,
  };
  if (questions.length === 0) {
    if (view.fromNewest) return { embeds: [{ title: heading, description: empty, color: COLOR.info }], components: [] };
    return {
      embeds: [{ title: heading, description: 'No older questions.', color: COLOR.info }],
      components: [{ type: 1, components: [newest] }],
    };
  }
  // A page of ten entries of at most ~400 characters (question 200, a filter 150) stays inside an embed's 4,096.
  const description = questions
    .map((q) => {
      const votes = q.up || q.down ? ` · 👍 ${q.up} 👎 ${q.down}` : '';
      const within = q.filter ? ` · articles ${escapeMarkdown(describeFilter(q.filter))}` : '';
      return `\`${isoMinute(q.askedAt)}\` ${q.answered ? 'answered' : '**not answered**'}${votes}${within}\n${questionText(q.question)}`;
    })
    .join('\n');
  const buttons: APIButtonComponent[] = [
    newest,
    {
      type: 2,
      style: 2,
      label: 'Older ▶',
      custom_id: questionsPageId(view.filter, questions.at(-1)!.id),
      disabled: !view.hasOlder,
    },
  ];
  return {
    embeds: [
      {
        title: heading,
        description,
        color: COLOR.info,
        footer: { text: 'Newest first, times in UTC · the whole log: npm run questions' },
      },
    ],
    components: view.hasOlder || !view.fromNewest ? [{ type: 1, components: buttons }] : [],
  };
}
