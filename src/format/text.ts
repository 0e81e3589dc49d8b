/** Engine results → readable terminal text (pure). */
import type {
  ArticleParagraphs,
  ArticleSummary,
  AskResult,
  CollectionStats,
  IndexRebuild,
  IngestOutcome,
} from '../engine-api.ts';
import type { SkippedInput } from '../ingest/files.ts';
import type { LoggedQuestion } from '../store/store-api.ts';
import { LIBRARY_COLLECTION, type AnswerPassage, type ArticleFilter, type Citation } from '../types.ts';
import { STYLE_BOLD_ON, STYLE_DIM_ON, STYLE_OFF } from './terminal.ts';

export interface TextStyle {
  boldOn: string;
  boldOff: string;
  dim: (s: string) => string;
  width: number;
}

export const PLAIN: TextStyle = { boldOn: '**', boldOff: '**', dim: (s) => s, width: 100 };
/** Bold and dim as placeholders: src/format/terminal.ts toTerminal turns them into ANSI codes after escaping the text. */
export const ANSI: (width: number) => TextStyle = (width) => ({
  boldOn: STYLE_BOLD_ON,
  boldOff: STYLE_OFF,
  dim: (s) => `${STYLE_DIM_ON}${s}${STYLE_OFF}`,
  width,
});

const bold = (style: TextStyle, s: string) => `${style.boldOn}${s}${style.boldOff}`;
// Private-use characters mark the highlight through wrapping, then become the style's markers.
const MARK_ON = '\ue000';
const MARK_OFF = '\ue001';

export const NO_ANSWER = "I couldn't find this in the articles.";
/** Heads a reply whose passages are the closest found but below the answer threshold. */
export const CLOSEST_ONLY = 'No passage clearly answers this. The closest passages, in case they help:';

/** Wraps plain words to the width; markers added afterwards keep the line breaks. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width - indent.length) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/** "paragraph 7", or "page 4, paragraph 2" for a document with pages (the paragraph counted on its page). */
export function citationPlace(citation: Citation): string {
  return citation.page !== undefined && citation.page_paragraph !== undefined
    ? `page ${citation.page}, paragraph ${citation.page_paragraph}`
    : `paragraph ${citation.paragraph}`;
}

function citationLine(citation: Citation): string {
  return [
    citation.title,
    citation.author ? `by ${citation.author}` : null,
    citation.source,
    citation.date,
    citationPlace(citation),
  ]
    .filter((p): p is string => Boolean(p))
    .join(' · ');
}

export function formatCitation(citation: Citation): string {
  return citationLine(citation) + (citation.url ? `\n    ${citation.url}` : '');
}

/** Other articles holding the same passage named under its citation; the rest are counted. */
const ALSO_IN_NAMED = 3;

function formatAlsoIn(also: readonly Citation[]): string {
  const named = also
    .slice(0, ALSO_IN_NAMED)
    .map((c) => `\n    also in: ${citationLine(c)}${c.url ? `\n             ${c.url}` : ''}`);
  const rest = also.length - named.length;
  return named.join('') + (rest > 0 ? `\n    and in ${rest} more article${rest === 1 ? '' : 's'}` : '');
}

function formatPassage(passage: AnswerPassage, style: TextStyle): string {
  const marked = passage.text.includes(passage.highlight)
    ? passage.text.replace(passage.highlight, `${MARK_ON}${passage.highlight}${MARK_OFF}`)
    : passage.text;
  const body = wrap(marked, style.width, '    ').replace(MARK_ON, style.boldOn).replace(MARK_OFF, style.boldOff);
  return `[${passage.rank}] ${style.dim(formatCitation(passage.citation) + formatAlsoIn(passage.also_in))}\n${body}`;
}

/** An article's paragraphs numbered as citations number them; the one asked about in bold. */
export function formatArticleParagraphs(view: ArticleParagraphs, style: TextStyle = PLAIN): string {
  const { article } = view;
  const heading =
    [article.title, article.source, article.date].filter(Boolean).join(' · ') + (article.url ? `\n${article.url}` : '');
  const body = view.paragraphs.map(({ number, text }) => {
    const wrapped = wrap(text, style.width, '    ');
    return `[${number}]\n${number === view.focus ? bold(style, wrapped.trimStart()).replace(/^/, '    ') : wrapped}`;
  });
  const shown =
    view.paragraphs.length === view.total
      ? `${view.total} paragraph(s)`
      : `paragraphs ${view.paragraphs[0]!.number}–${view.paragraphs.at(-1)!.number} of ${view.total}`;
  return [heading, '', body.join('\n\n'), '', style.dim(`${shown} · ${article.id}`)].join('\n');
}

/** Said with every answer while the vector index is rebuilt in the background. */
export function indexRebuildNote({ indexed, total }: IndexRebuild): string {
  const percent = total > 0 ? Math.floor((100 * indexed) / total) : 100;
  return `The search index is being rebuilt (${percent}% done): passages not yet indexed were found by their words only.`;
}

/** "dated 2022-01-01 to 2022-12-31, from a source matching "trt"" */
export function describeFilter(filter: ArticleFilter): string {
  const parts: string[] = [];
  if (filter.since && filter.until) parts.push(`dated ${filter.since} to ${filter.until}`);
  else if (filter.since) parts.push(`dated ${filter.since} or later`);
  else if (filter.until) parts.push(`dated ${filter.until} or earlier`);
  if (filter.source)
    parts.push(filter.sourceExact ? `from "${filter.source}"` : `from a source matching "${filter.source}"`);
  return parts.join(', ');
}

/** "12 article(s)", plus what they were limited to. */
function articlesSearched(result: AskResult): string {
  return `${result.articlesSearched} article(s)${result.filter ? ` ${describeFilter(result.filter)}` : ''}`;
}

export function formatAnswer(result: AskResult, style: TextStyle = PLAIN): string {
  if (result.passages.length === 0) {
    if (result.filter && result.articlesSearched === 0) {
      return `No article is ${describeFilter(result.filter)}.\n${style.dim('Widen the dates or the source, or list the articles with: npm run sources')}`;
    }
    return `${NO_ANSWER}\n${style.dim(`Searched ${articlesSearched(result)}. Try other words, or list them with: npm run sources`)}`;
  }
  const lines: string[] = [];
  if (!result.answered) lines.push(bold(style, CLOSEST_ONLY), '');
  if (result.answer) lines.push(`Answer: ${bold(style, result.answer)}`, '');
  lines.push(result.passages.map((p) => formatPassage(p, style)).join('\n\n'));
  lines.push('', style.dim(`${articlesSearched(result)} searched in ${result.tookMs} ms`));
  if (result.indexRebuilding) lines.push(style.dim(indexRebuildNote(result.indexRebuilding)));
  return lines.join('\n');
}

export function formatIngest(outcomes: readonly IngestOutcome[], skipped: readonly SkippedInput[]): string {
  const count = (status: IngestOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const lines = outcomes.map(
    (o) => `  ${o.status.padEnd(9)} ${o.title} (${o.passages} passage${o.passages === 1 ? '' : 's'}) [${o.articleId}]`,
  );
  for (const s of skipped) lines.push(`  skipped   ${s.name}: ${s.reason}`);
  lines.push(
    `${count('added')} added, ${count('updated')} updated, ${count('unchanged')} unchanged, ${skipped.length} skipped`,
  );
  return lines.join('\n');
}

/** `feedOf` names the followed feed an article came from ("via feed [3] City Desk"), when one did. */
export function formatSources(
  articles: readonly ArticleSummary[],
  total: number,
  feedOf: (article: ArticleSummary) => string | null = () => null,
): string {
  if (articles.length === 0) return 'No articles yet. Add some with: npm run ingest -- <files or folders>';
  const lines = articles.map((a) => {
    const feed = feedOf(a);
    const by = a.author ? `by ${a.author}` : null;
    return `  ${a.id}  ${a.title}  (${[by, a.source, a.date].filter(Boolean).join(', ')}; ${a.passages} passages${feed ? `; via feed ${feed}` : ''})`;
  });
  lines.push(`${total} article(s)`);
  return lines.join('\n');
}

/** "2026-11-25T10:00:00.000Z" → "2026-11-25 10:00" (UTC, as logged). */
export function isoMinute(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function calibrationOrigin(c: NonNullable<CollectionStats['calibration']>): string {
  if (c.origin === 'setting') return 'set by ANSWER_THRESHOLD or the model folder';
  if (c.origin === 'uncalibrated') return 'not calibrated yet: npm run calibrate';
  return `${c.origin === 'self' ? 'calibrated here' : 'shipped calibration'} on ${c.sets.join(', ')}, ${c.date}`;
}

export function formatStats(stats: CollectionStats): string {
  const lines = [
    `store           ${stats.store.backend} (${stats.store.location})`,
    `articles        ${stats.articles}`,
    `passages        ${stats.passages}`,
    `model           ${stats.model}${stats.dim ? ` (${stats.dim}-d)` : ''}${stats.reranker ? `, re-ranked by ${stats.reranker}` : ''}`,
    ...(stats.calibration
      ? [
          `answer cut-offs threshold ${stats.calibration.threshold}, floor ${stats.calibration.floor} (${calibrationOrigin(stats.calibration)})`,
        ]
      : []),
    `index size      ${stats.indexSize}${stats.indexRebuilding ? ` (rebuilding: ${stats.indexRebuilding.indexed} of ${stats.indexRebuilding.total} passages)` : ''}`,
    `questions asked ${stats.questionsAsked}`,
    `feedback        👍 ${stats.feedback.up}  👎 ${stats.feedback.down}`,
  ];
  if (stats.unanswered.length > 0) {
    lines.push('unanswered (most recent first):');
    for (const u of stats.unanswered) lines.push(`  ${isoMinute(u.askedAt)}  ${u.question}`);
  }
  if (stats.mostAsked.length > 0) {
    lines.push('asked most often:');
    for (const m of stats.mostAsked)
      lines.push(
        `  ${String(m.times).padStart(4)}×  ${m.question}  (${m.answered === 0 ? 'never answered' : `answered ${m.answered}×`})`,
      );
  }
  if (stats.downvoted.length > 0) {
    lines.push('replies marked 👎 (most recent first):');
    for (const d of stats.downvoted) lines.push(`  ${isoMinute(d.askedAt)}  ${d.question}  (👎 ${d.down})`);
  }
  return lines.join('\n');
}

/** The question log as lines: when, answered or not, votes, the question. */
export function formatQuestions(questions: readonly LoggedQuestion[]): string {
  if (questions.length === 0) return 'no questions logged (Discord questions are logged; CLI questions are not)';
  return questions
    .map(
      (q) =>
        `#${q.id}  ${isoMinute(q.askedAt)}  ${q.answered ? 'answered  ' : 'unanswered'}  👍 ${q.up} 👎 ${q.down}  ${q.collection === LIBRARY_COLLECTION ? '' : `[${q.collection}] `}${q.question}${q.filter ? `  (articles ${describeFilter(q.filter)})` : ''}`,
    )
    .join('\n');
}
