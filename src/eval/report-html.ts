/**
 * The self-contained HTML report: per set, a hit@k chart (k = 1…10) per mode as inline SVG,
 * then the questions each mode missed at rank 1 with what it returned instead.
 * Everything taken from the sets or the passages is HTML-escaped.
 */
import type { SearchMode } from '../search/search.ts';
import { answerMatches, firstHitRank, hitAt, type Gold, type QuestionOutcome } from './metrics.ts';
import type { SetReport } from './runner.ts';
import type { EvalSet } from './set.ts';

const MAX_MISSES_SHOWN = 400;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

function start(text: string, chars = 160): string {
  return text.length <= chars ? text : `${text.slice(0, chars).replace(/\s+\S*$/, '')}…`;
}

/** hit@k for k = 1…depth. */
export function hitCurve(outcomes: readonly QuestionOutcome[], depth = 10): number[] {
  const ranks = outcomes
    .filter((o): o is QuestionOutcome & { gold: Gold } => o.gold !== null)
    .map((o) => firstHitRank(o.ranked, o.gold, depth));
  return Array.from({ length: depth }, (_, i) => hitAt(ranks, i + 1));
}

/** A bar chart of hit@1…hit@depth. */
export function hitChartSvg(mode: string, curve: readonly number[]): string {
  const width = 360;
  const height = 180;
  const left = 34;
  const bottom = 24;
  const top = 22;
  const plotH = height - bottom - top;
  const barW = (width - left - 10) / curve.length;
  const bars = curve
    .map((v, i) => {
      const h = v * plotH;
      const x = left + i * barW + 3;
      const y = top + plotH - h;
      return (
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 6).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b6ea5"><title>hit@${i + 1}: ${pct(v)}</title></rect>` +
        `<text x="${(x + (barW - 6) / 2).toFixed(1)}" y="${height - 8}" font-size="10" text-anchor="middle">${i + 1}</text>`
      );
    })
    .join('');
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((g) => {
      const y = top + plotH - g * plotH;
      return `<line x1="${left}" x2="${width - 6}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/><text x="${left - 4}" y="${(y + 3).toFixed(1)}" font-size="9" text-anchor="end">${g.toFixed(2)}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="hit@k for ${escapeHtml(mode)}">` +
    `<text x="${left}" y="14" font-size="12" font-weight="bold">${escapeHtml(mode)}: hit@k (k = 1…${curve.length})</text>${grid}${bars}</svg>`
  );
}

function metricsTable(report: SetReport): string {
  const head = [
    'mode',
    'hit@1',
    'highlight_hit',
    'answer_hit',
    'answer_precision',
    'hit@3',
    'hit@5',
    'MRR@10',
    'unanswerable declined',
    'answerable declined',
    'query p50 ms',
    'ingest s',
  ];
  const rows = Object.entries(report.modes).map(
    ([mode, m]) =>
      `<tr><td>${escapeHtml(mode)}</td><td>${pct(m['hit@1'])}</td><td>${pct(m.highlight_hit)}</td><td>${pct(m.answer_hit)}</td><td>${pct(m.answer_precision)}</td><td>${pct(m['hit@3'])}</td><td>${pct(m['hit@5'])}</td><td>${m['mrr@10'].toFixed(3)}</td>` +
      `<td>${pct(m.declined_correctly)}</td><td>${pct(m.declined_wrongly)}</td><td>${m.query_ms_p50.toFixed(1)}</td><td>${m.ingest_s.toFixed(1)}</td></tr>`,
  );
  const styles = Object.entries(report.modes).flatMap(([mode, m]) =>
    Object.entries(m.by_style).map(
      ([style, s]) =>
        `<tr><td>${escapeHtml(mode)} / ${escapeHtml(style)}</td><td>${pct(s['hit@1'])}</td><td>${pct(s.highlight_hit)}</td><td>${pct(s.answer_hit)}</td><td>${pct(s.answer_precision)}</td><td>${pct(s['hit@3'])}</td><td>${pct(s['hit@5'])}</td><td>${s['mrr@10'].toFixed(3)}</td><td colspan="4">${s.questions} questions</td></tr>`,
    ),
  );
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${[...rows, ...styles].join('')}</tbody></table>`;
}

function missesOf(mode: SearchMode, outcomes: readonly QuestionOutcome[], titles: Map<string, string>): string {
  const missed = outcomes.filter((o) => o.gold !== null && firstHitRank(o.ranked, o.gold, 1) === null);
  const accepted = mode === 'hybrid' ? outcomes.filter((o) => o.gold === null && !o.declined) : [];
  const items = missed.slice(0, MAX_MISSES_SHOWN).map((o) => {
    const gold = o.gold!;
    const rank = firstHitRank(o.ranked, gold);
    const got = o.ranked[0];
    return (
      `<li><p class="q">${escapeHtml(o.question)}${o.style ? ` <span class="style">${escapeHtml(o.style)}</span>` : ''}</p>` +
      `<p>expected: <b>${escapeHtml(gold.answer)}</b> in “${escapeHtml(titles.get(gold.articleId) ?? gold.articleId)}” ¶${gold.paragraphIndex + 1} — ${rank === null ? 'not in the results' : `found at rank ${rank}`}${o.declined ? ', and declined' : ''}</p>` +
      `<p>returned instead: ${got ? `“${escapeHtml(got.title)}” ¶${got.paragraphStart + 1}: ${escapeHtml(start(got.text))}` : 'nothing'}</p></li>`
    );
  });
  const more = missed.length > MAX_MISSES_SHOWN ? `<p>…and ${missed.length - MAX_MISSES_SHOWN} more.</p>` : '';
  const acceptedList = accepted.length
    ? `<h4>Unanswerable questions it answered (${accepted.length})</h4><ul>${accepted
        .map(
          (o) =>
            `<li><p class="q">${escapeHtml(o.question)}</p><p>returned: ${o.ranked[0] ? `“${escapeHtml(o.ranked[0].title)}”: ${escapeHtml(start(o.ranked[0].text))}` : 'nothing'} (score ${o.confidence.toFixed(3)})</p></li>`,
        )
        .join('')}</ul>`
    : '';
  return `<h3>${escapeHtml(mode)}: missed at rank 1 (${missed.length})</h3><ul>${items.join('')}</ul>${more}${acceptedList}${wrongAnswersOf(outcomes)}`;
}

/** Short answers claimed wrongly: the bold "Answer: …" a reader would have been misled by. */
function wrongAnswersOf(outcomes: readonly QuestionOutcome[]): string {
  const wrong = outcomes.filter(
    (o) => o.answer !== null && (o.gold === null || !answerMatches(o.answer, o.gold.answer)),
  );
  if (wrong.length === 0) return '';
  const items = wrong
    .slice(0, MAX_MISSES_SHOWN)
    .map(
      (o) =>
        `<li><p class="q">${escapeHtml(o.question)}</p><p>claimed: <b>${escapeHtml(o.answer!)}</b> — expected: ${o.gold ? `<b>${escapeHtml(o.gold.answer)}</b>` : 'no answer (unanswerable)'}</p>` +
        `<p>from: ${escapeHtml(start(o.highlight))}</p></li>`,
    );
  const more = wrong.length > MAX_MISSES_SHOWN ? `<p>…and ${wrong.length - MAX_MISSES_SHOWN} more.</p>` : '';
  return `<h4>Wrong short answers (${wrong.length})</h4><ul>${items.join('')}</ul>${more}`;
}

export function renderHtml(reports: readonly SetReport[], sets: readonly EvalSet[]): string {
  const sections = reports.map((report) => {
    const set = sets.find((s) => s.name === report.set);
    const titles = new Map((set?.articles ?? []).map((a) => [a.id, a.title]));
    const modes = Object.keys(report.outcomes) as SearchMode[];
    const charts = modes
      .map((mode) => hitChartSvg(mode, hitCurve(report.outcomes[mode]!, Math.max(report.k, 1))))
      .join('\n');
    const misses = modes.map((mode) => missesOf(mode, report.outcomes[mode]!, titles)).join('\n');
    const source = set?.source
      ? `<p class="src">Source: ${escapeHtml(set.source)}${set.license ? ` — ${escapeHtml(set.license)}` : ''}</p>`
      : '';
    return (
      `<section><h2>${escapeHtml(report.set)} <small>model ${escapeHtml(report.model)}${report.reranker ? `, re-ranked by ${escapeHtml(report.reranker)}` : ''}, dense ${report.weights.dense}, lexical ${report.weights.lexical}, threshold ${report.cutoffs.threshold}, ${report.sample}</small></h2>${source}` +
      `${metricsTable(report)}<div class="charts">${charts}</div>${misses}</section>`
    );
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>citebot evaluation</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.q{font-weight:600;margin:.6em 0 .1em}li p{margin:.1em 0}.style{font-weight:normal;color:#777;font-size:12px}.src{color:#555}
</style></head><body>
<h1>citebot evaluation</h1>
<p>hit@k: a returned passage within the first k is from the gold article and covers the gold paragraph or contains the answer. highlight_hit: the highlighted sentence of the first passage contains the answer. answer_hit: the short answer claimed ("Answer: …") is right, among questions asking for a figure, date, name or place; answer_precision: the share of claimed short answers that are right.</p>
${sections.join('\n')}
</body></html>
`;
}
