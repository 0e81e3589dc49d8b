/** The answer to a question (/ask, a mention, the context menu, More passages) and the Context view of a cited paragraph. */
import type { APIButtonComponent, APIEmbed, APIEmbedField } from 'discord.js';
import type { ArticleParagraphs, AskResult } from '../../engine-api.ts';
import { CLOSEST_ONLY, describeFilter, indexRebuildNote } from '../../format/text.ts';
import type { AnswerPassage, Citation } from '../../types.ts';
import { encodeCustomId } from '../custom-ids.ts';
import {
  COLOR,
  embedLength,
  escapeLinkText,
  escapeMarkdown,
  LIMITS,
  plural,
  renderPassage,
  safeUrl,
  truncateText,
  type DiscordReply,
} from './format.ts';

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
  if (c.author) parts.push(`by ${escapeMarkdown(truncateText(c.author, 60))}`);
  if (c.source) parts.push(escapeMarkdown(truncateText(c.source, 100)));
  if (c.date) parts.push(c.date);
  parts.push(
    c.page !== undefined && c.page_paragraph !== undefined ? `p. ${c.page} ¶${c.page_paragraph}` : `¶${c.paragraph}`,
  );
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
    const text =
      linked.length <= ALSO_IN_CHARS ? linked : citationParts({ ...c, url: null }, { titleMax: 80 }).join(' · ');
    if (named.length > 0 && named.join('; ').length + text.length > ALSO_IN_CHARS) break;
    named.push(text);
  }
  const rest = passage.also_in.length - named.length;
  return `${cite}\nAlso in: ${named.join('; ')}${rest > 0 ? ` and ${plural(rest, 'more article')}` : ''}`;
}

export interface AnswerView {
  /** Passages skipped before this page (0 for the first answer). */
  offset: number;
  /** Further passages shown as fields (1–5). */
  count: number;
  /** Question id for the buttons (null: no More / 👍 / 👎). */
  questionId: number | null;
}

function footerText(result: AskResult, view: AnswerView, shown: number): string {
  const within = result.filter ? ` ${describeFilter(result.filter)}` : '';
  const searched = `Searched ${plural(result.articlesSearched, 'article')}${within} in ${Math.round(result.tookMs).toLocaleString('en-US')} ms`;
  const text =
    view.offset > 0 && shown > 0 ? `Passages ${view.offset + 1}–${view.offset + shown} · ${searched}` : searched;
  return result.indexRebuilding ? `${text}\n${indexRebuildNote(result.indexRebuilding)}` : text;
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
    ? result.answer && view.offset === 0
      ? `**${escapeMarkdown(result.answer)}**\n\n`
      : ''
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
    return {
      title,
      description,
      color: result.answered ? COLOR.answer : COLOR.closest,
      ...(fields.length ? { fields } : {}),
      footer,
    };
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
      buttons.push({
        type: 2,
        style: 1,
        label: 'More passages',
        custom_id: encodeCustomId({
          kind: 'ask:more',
          questionId: view.questionId,
          offset: view.offset + k,
          count: view.count,
        })!,
      });
    }
    buttons.push({
      type: 2,
      style: 2,
      emoji: { name: '👍' },
      custom_id: encodeCustomId({ kind: 'ask:vote', questionId: view.questionId, vote: 'up' })!,
    });
    buttons.push({
      type: 2,
      style: 2,
      emoji: { name: '👎' },
      custom_id: encodeCustomId({ kind: 'ask:vote', questionId: view.questionId, vote: 'down' })!,
    });
  }
  const context = encodeCustomId({
    kind: 'ask:context',
    paragraph: best!.citation.paragraph,
    articleId: best!.citation.article_id,
  });
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
  const where = [
    first === last ? `Paragraph ${first} of ${view.total}` : `Paragraphs ${first}–${last} of ${view.total}`,
    article.source,
    article.date,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    embeds: [
      {
        title: truncateText(article.title.replace(/\s+/g, ' ').trim(), LIMITS.title),
        ...(url ? { url } : {}),
        description,
        color: COLOR.info,
        footer: { text: truncateText(where, LIMITS.footer) },
      },
    ],
    components: [],
  };
}
