/**
 * Pure builders of citebot's Discord messages, as plain Discord API JSON (embeds + components).
 * No discord.js runtime import: everything here is deterministic and unit-tested with exact strings.
 *
 * Discord limits honoured: title 256, description 4096, field name 256, field value 1024,
 * 25 fields, footer 2048, 6000 characters per message in all embeds, content 2000,
 * 5 buttons per row, custom_id 100, link URL 512.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField } from 'discord.js';
import type { ArticleParagraphs, ArticleSummary, AskResult, CollectionStats, IngestOutcome, LoggedQuestion } from '../engine-api.ts';
import type { AnswerPassage, ArticleFilter, Citation } from '../types.ts';
import { CLOSEST_ONLY, describeFilter, indexRebuildNote, isoMinute } from './text.ts';

export const LIMITS = {
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embedTotal: 6000,
  content: 2000,
  customId: 100,
  linkUrl: 512,
} as const;

export const COLOR = { answer: 0x2b6cb0, closest: 0xb7791f, none: 0x718096, info: 0x4a5568, ok: 0x2f855a } as const;

export interface DiscordReply {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
}

// ---------------------------------------------------------------------------
// Text: links, escaping, truncation
// ---------------------------------------------------------------------------

const LINK_PATTERN = /\[[^\]\n]*\]\([^)\s]*\)|<https?:\/\/[^>\s]+>|https?:\/\/[^\s<>()]+/g;

/** [start, end) ranges of markdown links and bare URLs: never cut or escape inside them. */
export function linkSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(LINK_PATTERN)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

function insideSpan(pos: number, spans: [number, number][]): [number, number] | undefined {
  return spans.find(([s, e]) => s < pos && pos < e);
}

const ABBREVIATION = /(?:^|[\s("'])(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Jr|Sr|No|vs|etc|Inc|Ltd|Co|Corp|Mt|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.$/;

/** Offsets just after each sentence end (terminal punctuation plus closing quotes/brackets, followed by whitespace). */
export function sentenceEnds(text: string): number[] {
  const ends: number[] = [];
  const re = /[.!?…]+["'”’)\]]*(?=\s)/g;
  for (const m of text.matchAll(re)) {
    const end = m.index + m[0].length;
    if (ABBREVIATION.test(text.slice(Math.max(0, end - 12), end))) continue;
    ends.push(end);
  }
  return ends;
}

/**
 * Cuts `text` to at most `max` characters: at the last sentence boundary that fits (then " …"),
 * else at the last word boundary (then "…"); never inside a word, a markdown link or a URL.
 * A sentence boundary is preferred unless it would keep less than 40 % of the room.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  const spans = linkSpans(text);
  const sentenceRoom = max - 2; // " …"
  const sentence = sentenceEnds(text)
    .filter((p) => p <= sentenceRoom && !insideSpan(p, spans))
    .at(-1);
  if (sentence !== undefined && sentence >= sentenceRoom * 0.4) return `${text.slice(0, sentence)} …`;

  const wordRoom = max - 1; // "…"
  let cut = -1;
  for (let i = Math.min(wordRoom, text.length - 1); i > 0; i--) {
    if (/\s/.test(text[i]!) && !/\s/.test(text[i - 1]!)) {
      const span = insideSpan(i, spans);
      if (span) {
        i = span[0] + 1; // jump before the link, keep looking
        continue;
      }
      cut = i;
      break;
    }
  }
  if (cut > 0) {
    const kept = text.slice(0, cut).replace(/[\s,;:–—-]+$/, '');
    if (sentence !== undefined && kept.length <= sentence) return `${text.slice(0, sentence)} …`;
    return `${kept}…`;
  }
  if (sentence !== undefined) return `${text.slice(0, sentence)} …`;
  // One unbroken token longer than the room: cut it, but never between surrogate halves.
  let hard = wordRoom;
  if (/[\uD800-\uDBFF]/.test(text[hard - 1] ?? '')) hard -= 1;
  return `${text.slice(0, hard)}…`;
}

/** Escapes Discord markdown outside links and bare URLs. */
export function escapeMarkdown(text: string): string {
  const spans = linkSpans(text);
  let out = '';
  let last = 0;
  const escapePlain = (s: string, atLineStart: boolean): string =>
    s
      .replace(/[\\*_~`|]/g, (c) => `\\${c}`)
      .replace(atLineStart ? /(^|\n)([>#-])/g : /(\n)([>#-])/g, '$1\\$2');
  for (const [s, e] of spans) {
    out += escapePlain(text.slice(last, s), last === 0) + text.slice(s, e);
    last = e;
  }
  return out + escapePlain(text.slice(last), last === 0);
}

function escapeLinkText(text: string): string {
  return escapeMarkdown(text).replace(/[[\]]/g, (c) => `\\${c}`);
}

/** A URL safe to put in a markdown link or a link button, or null. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return null;
  }
}

/**
 * The passage with its answering sentence in bold, escaped, at most `max` characters.
 * When the highlight lies beyond what fits, the text starts at the highlight ("… ").
 */
export function renderPassage(text: string, highlight: string | null, max: number): string {
  const raw = text.trim();
  let hs = -1;
  let he = -1;
  const h = highlight?.trim();
  if (h) {
    hs = raw.indexOf(h);
    if (hs >= 0) he = hs + h.length;
  }
  const render = (slice: string, offset: number, prefix: string): string => {
    const s = Math.max(0, hs - offset);
    const e = Math.min(slice.length, he - offset);
    if (hs < 0 || e <= s) return prefix + escapeMarkdown(slice);
    let bs = s;
    let be = e;
    while (bs < be && /\s/.test(slice[bs]!)) bs++;
    while (be > bs && /\s/.test(slice[be - 1]!)) be--;
    // Keep a trailing " …" of the truncation outside the bold part.
    const core = slice.slice(bs, be).replace(/\s*…$/, '');
    const tail = slice.slice(bs + core.length, be);
    if (!core) return prefix + escapeMarkdown(slice);
    return prefix + escapeMarkdown(slice.slice(0, bs)) + `**${escapeMarkdown(core)}**` + escapeMarkdown(tail) + escapeMarkdown(slice.slice(be));
  };
  const whole = render(raw, 0, '');
  if (whole.length <= max) return whole;

  let start = 0;
  let prefix = '';
  if (hs > 0 && he > max * 0.8) {
    // Start at a sentence so the highlight ends about two-thirds of the way in, keeping some context.
    const ends = sentenceEnds(raw).filter((p) => p <= hs && he - p <= max * 0.66);
    start = ends[0] ?? hs;
    while (start < raw.length && /\s/.test(raw[start]!)) start++;
    prefix = '… ';
  }
  const rest = raw.slice(start);
  let budget = max - prefix.length;
  for (let i = 0; i < 20 && budget > 0; i++) {
    const cut = truncateText(rest, budget);
    const out = render(cut, start, prefix);
    if (out.length <= max) return out;
    budget -= Math.max(1, out.length - max);
  }
  return truncateText(escapeMarkdown(rest), max);
}

// ---------------------------------------------------------------------------
// Citations
// ---------------------------------------------------------------------------

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "— [Title](url) · Source · 2022-01-10 · ¶5" (title in bold when there is no link). */
export function formatCitation(c: Citation, options: { titleMax?: number; withTitle?: boolean } = {}): string {
  return `— ${citationParts(c, options).join(' · ')}`;
}

function citationParts(c: Citation, options: { titleMax?: number; withTitle?: boolean }): string[] {
  const parts: string[] = [];
  const url = safeUrl(c.url);
  if (options.withTitle !== false) {
    const title = truncateText(c.title.replace(/\s+/g, ' ').trim(), options.titleMax ?? 200);
    parts.push(url ? `[${escapeLinkText(title)}](${url})` : `**${escapeMarkdown(title)}**`);
  } else if (url) {
    parts.push(`[link](${url})`);
  }
  if (c.source) parts.push(escapeMarkdown(truncateText(c.source, 100)));
  if (c.date) parts.push(c.date);
  parts.push(c.page !== undefined && c.page_paragraph !== undefined ? `p. ${c.page} ¶${c.page_paragraph}` : `¶${c.paragraph}`);
  return parts;
}

/** Articles named under a passage that stands in several, and the room they may take; the rest are counted. */
const ALSO_IN_NAMED = 3;
const ALSO_IN_CHARS = 400;

/** The citation, plus "Also in: [Other](url) · Source · ¶2; … and 2 more articles" when other articles hold the same passage. */
function citationWithCopies(passage: AnswerPassage, options: { withTitle?: boolean } = {}): string {
  const cite = formatCitation(passage.citation, options);
  if (passage.also_in.length === 0) return cite;
  const named: string[] = [];
  for (const c of passage.also_in.slice(0, ALSO_IN_NAMED)) {
    const linked = citationParts(c, { titleMax: 80 }).join(' · ');
    // A very long link would crowd out the passage itself: name the article without it.
    const text = linked.length <= ALSO_IN_CHARS ? linked : citationParts({ ...c, url: null }, { titleMax: 80 }).join(' · ');
    if (named.length > 0 && named.join('; ').length + text.length > ALSO_IN_CHARS) break;
    named.push(text);
  }
  const rest = passage.also_in.length - named.length;
  return `${cite}\nAlso in: ${named.join('; ')}${rest > 0 ? ` and ${plural(rest, 'more article')}` : ''}`;
}

// ---------------------------------------------------------------------------
// /ask answers
// ---------------------------------------------------------------------------

export interface AnswerView {
  /** Passages skipped before this page (0 for the first answer). */
  offset: number;
  /** Further passages shown as fields (1–5). */
  count: number;
  /** Question id for the buttons (null: no More / 👍 / 👎). */
  questionId: number | null;
}

export function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function footerText(result: AskResult, view: AnswerView, shown: number): string {
  const within = result.filter ? ` ${describeFilter(result.filter)}` : '';
  const searched = `Searched ${plural(result.articlesSearched, 'article')}${within} in ${Math.round(result.tookMs).toLocaleString('en-US')} ms`;
  const text = view.offset > 0 && shown > 0 ? `Passages ${view.offset + 1}–${view.offset + shown} · ${searched}` : searched;
  return result.indexRebuilding ? `${text}\n${indexRebuildNote(result.indexRebuilding)}` : text;
}

/** "ask:context:<paragraph>:<article id>"; null when the id is too long for a button. */
export function contextCustomId(citation: Citation): string | null {
  const id = `ask:context:${citation.paragraph}:${citation.article_id}`;
  return id.length <= LIMITS.customId ? id : null;
}

export function askCustomId(kind: 'more', questionId: number, offset: number, count: number): string;
export function askCustomId(kind: 'up' | 'down', questionId: number): string;
export function askCustomId(kind: 'more' | 'up' | 'down', questionId: number, offset = 0, count = 0): string {
  return kind === 'more' ? `ask:more:${questionId}:${offset}:${count}` : `ask:vote:${questionId}:${kind}`;
}

/** The reply to /ask, to a mention or to the context menu. */
export function buildAnswerReply(result: AskResult, view: AnswerView): DiscordReply {
  const title = truncateText(result.question.replace(/\s+/g, ' ').trim(), LIMITS.title);
  if (result.passages.length === 0) {
    const description =
      view.offset > 0
        ? 'No further passages support an answer to this question.'
        : result.filter && result.articlesSearched === 0
          ? `No article I have is ${escapeMarkdown(describeFilter(result.filter))}.\nWiden the dates or the source, or try \`/sources\` to see which articles I have.`
          : "I couldn't find anything in the articles I can search that answers this question.\nTry `/sources` to see which articles I have, or ask it another way.";
    return {
      embeds: [{ title, description, color: COLOR.none, footer: { text: footerText(result, view, 0) } }],
      components: [],
    };
  }

  const [best, ...others] = result.passages;
  const citation = citationWithCopies(best!);
  const answerLine = result.answered
    ? result.answer && view.offset === 0 ? `**${escapeMarkdown(result.answer)}**\n\n` : ''
    : `*${CLOSEST_ONLY}*\n\n`;
  const footer = { text: footerText(result, view, result.passages.length) };

  const fieldFor = (p: (typeof others)[number], n: number, valueMax: number): APIEmbedField => {
    const cite = citationWithCopies(p, { withTitle: false });
    const room = Math.max(0, valueMax - cite.length - 1);
    return {
      name: truncateText(`${n}. ${p.citation.title.replace(/\s+/g, ' ').trim()}`, LIMITS.fieldName),
      value: `${renderPassage(p.text, p.highlight, room)}\n${cite}`,
    };
  };

  const build = (descriptionMax: number, fieldCount: number, valueMax: number): APIEmbed => {
    const room = descriptionMax - answerLine.length - citation.length - 2;
    const description = `${answerLine}${renderPassage(best!.text, best!.highlight, room)}\n\n${citation}`;
    const fields = others
      .slice(0, Math.min(fieldCount, LIMITS.fields))
      .map((p, i) => fieldFor(p, view.offset + i + 2, valueMax));
    return { title, description, color: result.answered ? COLOR.answer : COLOR.closest, ...(fields.length ? { fields } : {}), footer };
  };

  // Fit everything into 6000 characters: shorten fields first, then drop them, then the description.
  let embed = build(LIMITS.description, others.length, LIMITS.fieldValue);
  for (let valueMax = LIMITS.fieldValue; embedLength(embed) > LIMITS.embedTotal && valueMax > 300; valueMax -= 100) {
    embed = build(LIMITS.description, others.length, valueMax - 100);
  }
  for (let n = others.length; embedLength(embed) > LIMITS.embedTotal && n > 0; n--) {
    embed = build(LIMITS.description, n - 1, 300);
  }
  if (embedLength(embed) > LIMITS.embedTotal) {
    const over = embedLength(embed) - LIMITS.embedTotal;
    embed = build(LIMITS.description - over, 0, 300);
  }

  const buttons: APIButtonComponent[] = [];
  const k = 1 + view.count;
  if (view.questionId !== null) {
    if (result.passages.length >= k) {
      buttons.push({ type: 2, style: 1, label: 'More passages', custom_id: askCustomId('more', view.questionId, view.offset + k, view.count) });
    }
    buttons.push({ type: 2, style: 2, emoji: { name: '👍' }, custom_id: askCustomId('up', view.questionId) });
    buttons.push({ type: 2, style: 2, emoji: { name: '👎' }, custom_id: askCustomId('down', view.questionId) });
  }
  const context = contextCustomId(best!.citation);
  if (context) buttons.push({ type: 2, style: 2, label: 'Context', custom_id: context });
  const link = safeUrl(best!.citation.url);
  if (link && link.length <= LIMITS.linkUrl) buttons.push({ type: 2, style: 5, label: 'Open article', url: link });
  return { embeds: [embed], components: buttons.length ? [{ type: 1, components: buttons }] : [] };
}

/** The paragraphs around a cited one, the cited one in bold: is the quote fair to its article? */
export function buildContextReply(view: ArticleParagraphs): DiscordReply {
  const { article } = view;
  const url = safeUrl(article.url);
  // The cited paragraph is shown whole when it fits; its neighbours share what is left.
  const focus = view.paragraphs.find((p) => p.number === view.focus);
  const focusText = focus ? `¶${focus.number} ${renderPassage(focus.text, focus.text, LIMITS.description - 800)}` : '';
  const others = view.paragraphs.length - (focus ? 1 : 0);
  const room = others > 0 ? Math.floor((LIMITS.description - focusText.length) / others) - 20 : 0;
  const description = view.paragraphs
    .map((p) => (p === focus ? focusText : `¶${p.number} ${renderPassage(p.text, null, room)}`))
    .join('\n\n');
  const first = view.paragraphs[0]!.number;
  const last = view.paragraphs.at(-1)!.number;
  const where = [first === last ? `Paragraph ${first} of ${view.total}` : `Paragraphs ${first}–${last} of ${view.total}`, article.source, article.date].filter(Boolean).join(' · ');
  return {
    embeds: [{ title: truncateText(article.title.replace(/\s+/g, ' ').trim(), LIMITS.title), ...(url ? { url } : {}), description, color: COLOR.info, footer: { text: truncateText(where, LIMITS.footer) } }],
    components: [],
  };
}

// ---------------------------------------------------------------------------
// /sources, /ingest, /forget, /stats, rate limits
// ---------------------------------------------------------------------------

export const SOURCES_PAGE_SIZE = 10;

/** What a /sources list shows: titles containing `search`, within `filter`. */
export interface SourcesQuery {
  search: string;
  filter?: ArticleFilter;
}

/**
 * sources:list:<offset>:<since>:<until>:<source length>:<source><search>. Dates never hold ':';
 * the source's length marks where the search starts, since either may. Null when it would pass
 * Discord's 100 characters: the list then has no paging buttons rather than pages of a cut search.
 */
export function sourcesCustomId(offset: number, query: SourcesQuery): string | null {
  const source = query.filter?.source ?? '';
  const id = `sources:list:${offset}:${query.filter?.since ?? ''}:${query.filter?.until ?? ''}:${source.length}:${source}${query.search}`;
  return id.length <= LIMITS.customId ? id : null;
}

/**
 * The page and query of a /sources button: `args` is its custom id after "sources:". Buttons of
 * lists posted before filters existed read "page:<offset>:<search>".
 */
export function parseSourcesCustomId(args: readonly string[]): { offset: number; search: string; filter: { since: string | null; until: string | null; source: string | null } } {
  const [kind, offsetText = '0', ...rest] = args;
  const offset = Math.max(0, Number(offsetText) || 0);
  if (kind !== 'list') return { offset, search: rest.join(':'), filter: { since: null, until: null, source: null } };
  const [since = '', until = '', lengthText = '0', ...tail] = rest;
  const joined = tail.join(':');
  const length = Math.min(joined.length, Math.max(0, Number(lengthText) || 0));
  return { offset, search: joined.slice(length), filter: { since: since || null, until: until || null, source: joined.slice(0, length) || null } };
}

export function buildSourcesReply(
  articles: ArticleSummary[],
  total: number,
  offset: number,
  query: SourcesQuery,
  libraryCollection: string,
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
    const meta = [a.source ? escapeMarkdown(truncateText(a.source, 60)) : null, a.date, plural(a.passages, 'passage')].filter(Boolean);
    const own = a.collection === libraryCollection ? '' : ' · added in this server';
    return `${offset + i + 1}. ${head} — ${meta.join(' · ')}${own}`;
  });
  let description = lines.join('\n');
  while (description.length > LIMITS.description) description = description.slice(0, description.lastIndexOf('\n'));
  const last = offset + articles.length;
  const previousId = sourcesCustomId(Math.max(0, offset - SOURCES_PAGE_SIZE), query);
  const nextId = sourcesCustomId(last, query);
  const pageable = total > SOURCES_PAGE_SIZE && previousId !== null && nextId !== null;
  const footer = [`${offset + 1}–${last} of ${plural(total, 'article')}${within ? ` ${within}` : ''}`];
  if (total > SOURCES_PAGE_SIZE && !pageable) footer.push('shorten the search or the source to page through them');
  const buttons: APIButtonComponent[] = pageable
    ? [
        { type: 2, style: 2, label: '◀ Previous', custom_id: previousId, disabled: offset === 0 },
        { type: 2, style: 2, label: 'Next ▶', custom_id: nextId, disabled: last >= total },
      ]
    : [];
  return {
    embeds: [{ title, description, color: COLOR.info, footer: { text: truncateText(footer.join(' · '), LIMITS.footer) } }],
    components: pageable ? [{ type: 1, components: buttons }] : [],
  };
}

const STATUS_WORD: Record<IngestOutcome['status'], string> = { added: 'new', updated: 'updated', unchanged: 'unchanged' };

export function buildIngestReply(outcomes: IngestOutcome[]): DiscordReply {
  const lines = outcomes.map((o) => `**${escapeMarkdown(truncateText(o.title, 200))}** — ${plural(o.passages, 'passage')} · ${STATUS_WORD[o.status]}`);
  let description = lines.join('\n');
  if (description.length > LIMITS.description) description = truncateText(description, LIMITS.description);
  const title = outcomes.length === 1 ? 'Ingested 1 article' : `Ingested ${outcomes.length} articles`;
  return { embeds: [{ title, description, color: COLOR.ok }], components: [] };
}

export function buildForgetReply(article: ArticleSummary): DiscordReply {
  return {
    embeds: [{ title: 'Article removed', description: `**${escapeMarkdown(truncateText(article.title, 300))}** (${plural(article.passages, 'passage')}) will no longer be used to answer questions in this server.`, color: COLOR.ok }],
    components: [],
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
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
    { name: 'Model', value: truncateText(`${stats.model}${stats.dim ? ` (${stats.dim} dimensions)` : ''}${stats.reranker ? `, re-ranked by ${stats.reranker}` : ''}`, LIMITS.fieldValue), inline: true },
    { name: 'Questions asked', value: stats.questionsAsked.toLocaleString('en-US'), inline: true },
    { name: 'Feedback', value: `👍 ${stats.feedback.up} · 👎 ${stats.feedback.down}`, inline: true },
    { name: 'Unanswered questions (most recent first)', value: bulletField(stats.unanswered, (u) => `${questionText(u.question)} (${isoMinute(u.askedAt)})`) },
    {
      name: 'Asked most often',
      value: bulletField(stats.mostAsked, (m) => `${questionText(m.question)} — ${m.times}×, ${m.answered === 0 ? 'never answered' : `answered ${m.answered}×`}`),
    },
    { name: 'Replies marked 👎 (most recent first)', value: bulletField(stats.downvoted, (d) => `${questionText(d.question)} (${isoMinute(d.askedAt)}, 👎 ${d.down})`) },
  ];
  return {
    embeds: [{ title: truncateText(`citebot statistics — ${scope}`, LIMITS.title), fields, color: COLOR.info, footer: { text: 'Every question asked here, page by page: /questions' } }],
    components: [],
  };
}

export type QuestionListFilter = 'all' | 'unanswered' | 'downvoted';

export const QUESTIONS_PAGE_SIZE = 10;

const QUESTION_LIST: Record<QuestionListFilter, { title: string; empty: string }> = {
  all: { title: 'Questions asked', empty: 'Nobody has asked a question here yet.' },
  unanswered: { title: 'Questions no passage answered', empty: 'Every question asked here was answered.' },
  downvoted: { title: 'Replies marked 👎', empty: 'No reply here has been marked 👎.' },
};

/** questions:page:<filter>:<before question id, or 0 for the newest> */
export function questionsCustomId(filter: QuestionListFilter, beforeId: number): string {
  return `questions:page:${filter}:${beforeId}`;
}

/**
 * A page of the question log for moderators, newest first. `hasOlder` says whether a further
 * page exists; `fromNewest` whether this page starts at the newest question.
 */
export function buildQuestionsReply(questions: LoggedQuestion[], view: { filter: QuestionListFilter; scope: string; hasOlder: boolean; fromNewest: boolean }): DiscordReply {
  const { title, empty } = QUESTION_LIST[view.filter];
  const heading = truncateText(`${title} — ${view.scope}`, LIMITS.title);
  const newest: APIButtonComponent = { type: 2, style: 2, label: '◀ Newest', custom_id: questionsCustomId(view.filter, 0), disabled: view.fromNewest };
  if (questions.length === 0) {
    if (view.fromNewest) return { embeds: [{ title: heading, description: empty, color: COLOR.info }], components: [] };
    return { embeds: [{ title: heading, description: 'No older questions.', color: COLOR.info }], components: [{ type: 1, components: [newest] }] };
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
    { type: 2, style: 2, label: 'Older ▶', custom_id: questionsCustomId(view.filter, questions.at(-1)!.id), disabled: !view.hasOlder },
  ];
  return {
    embeds: [{ title: heading, description, color: COLOR.info, footer: { text: 'Newest first, times in UTC · the whole log: npm run questions' } }],
    components: view.hasOlder || !view.fromNewest ? [{ type: 1, components: buttons }] : [],
  };
}

/** "<t:1700000000:R>": Discord renders it as "in 12 seconds" in the reader's locale. */
export function discordRelativeTime(epochMs: number): string {
  return `<t:${Math.ceil(epochMs / 1000)}:R>`;
}

export function rateLimitText(scope: 'user' | 'guild', retryAtMs: number): string {
  return scope === 'user'
    ? `You're asking questions faster than I can answer them. You can ask again ${discordRelativeTime(retryAtMs)}.`
    : `This server is asking a lot of questions right now. Please try again ${discordRelativeTime(retryAtMs)}.`;
}

/** Strips the CLI's "citebot: " prefix from a UserError message and fits it into a message. */
export function userErrorText(message: string): string {
  return truncateText(message.replace(/^citebot:\s*/, ''), LIMITS.content);
}

export const GENERIC_ERROR_TEXT = 'Sorry, something went wrong on my side while handling that. The error was logged; please try again later.';
