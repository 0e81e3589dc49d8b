/** Text and JSON renderings of evaluation results. */
import type { SearchMode } from '../search/search.ts';
import type { Metrics } from './metrics.ts';
import { round, type ModeReport, type SetReport } from './runner.ts';

const METRIC_COLUMNS: { key: keyof Metrics | 'ingest_s'; label: string }[] = [
  { key: 'hit@1', label: 'hit@1' },
  { key: 'highlight_hit', label: 'hl_hit' },
  { key: 'answer_hit', label: 'ans_hit' },
  { key: 'answer_precision', label: 'ans_prec' },
  { key: 'hit@3', label: 'hit@3' },
  { key: 'hit@5', label: 'hit@5' },
  { key: 'mrr@10', label: 'MRR@10' },
  { key: 'declined_correctly', label: 'decl_ok' },
  { key: 'declined_wrongly', label: 'decl_bad' },
  { key: 'answerable_nothing_shown', label: 'none_shown' },
  { key: 'questions', label: 'n' },
  { key: 'query_ms_p50', label: 'p50_ms' },
  { key: 'ingest_s', label: 'ingest_s' },
];

function cell(value: number | null | undefined, key: string): string {
  if (value === null || value === undefined) return '—';
  if (key === 'questions') return String(value);
  if (key === 'query_ms_p50') return value.toFixed(1);
  if (key === 'ingest_s') return value.toFixed(1);
  return value.toFixed(3);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The readable table: one row per mode, then one per mode × style. */
export function formatText(report: SetReport): string {
  const modes = Object.entries(report.modes) as [SearchMode, ModeReport][];
  const rows = modes.map(([mode, m]) => [mode, ...METRIC_COLUMNS.map((c) => cell(m[c.key] as number | null, c.key))]);
  const parts = [
    `${report.set} — model ${report.model}${report.reranker ? `, re-ranked by ${report.reranker}` : ''}, top ${report.k}, ${modes[0]?.[1].questions ?? 0} answerable + ${modes[0]?.[1].unanswerable ?? 0} unanswerable questions`,
    `${report.sample === 'held-out' ? 'HELD-OUT: the weights and cut-offs were not tuned or calibrated on this set' : 'IN-SAMPLE: the weights and cut-offs were tuned or calibrated on this set'} (threshold ${report.cutoffs.threshold}, floor ${report.cutoffs.floor})`,
  ];
  parts.push(table(['mode', ...METRIC_COLUMNS.map((c) => c.label)], rows));
  const styleRows = modes.flatMap(([mode, m]) =>
    Object.entries(m.by_style).map(([style, s]) => [
      `${mode}/${style}`,
      ...METRIC_COLUMNS.slice(0, 7).map((c) => cell(s[c.key as keyof Metrics] as number, c.key)),
      String(s.questions),
    ]),
  );
  if (styleRows.length > 0)
    parts.push(
      '',
      'by question style',
      table(['mode/style', ...METRIC_COLUMNS.slice(0, 7).map((c) => c.label), 'n'], styleRows),
    );
  const hybrid = report.modes.hybrid;
  if (hybrid) {
    const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
    const sureRows = [['all', hybrid] as const, ...Object.entries(hybrid.by_style)].map(([style, m]) => [
      style,
      pct(m.confident),
      pct(m.hedged),
      pct(m.answerable_nothing_shown),
      pct(m.confident_wrong),
      String(m.questions),
    ]);
    parts.push(
      '',
      'how sure (hybrid): of answerable questions, answered / shown but hedged / nothing shown; of confident answers, wrong',
      table(['style', 'answered', 'hedged', 'nothing', 'conf_wrong', 'n'], sureRows),
    );
  }
  for (const s of report.skipped) parts.push(`(${s.mode} skipped: ${s.reason})`);
  parts.push(
    '',
    'hl_hit: the highlighted sentence of the first passage holds the answer. ans_hit: share of questions asking for a figure, date, name or place whose short answer ("Answer: …") is right; ans_prec: share of claimed short answers that are right. decl_ok/decl_bad: share of unanswerable/answerable questions declined (no answer claimed; only hybrid declines). none_shown: share of answerable questions shown no passage at all (below the floor).',
  );
  return parts.join('\n');
}

function roundMetrics<T extends object>(metrics: T): T {
  return Object.fromEntries(
    Object.entries(metrics).map(([k, v]) => [k, typeof v === 'number' ? round(v, k === 'query_ms_p50' ? 1 : 4) : v]),
  ) as T;
}

/** The `--json` contract: { set, model, k, modes: { <mode>: metrics + by_style } }. */
export function toJson(report: SetReport): Record<string, unknown> {
  return {
    set: report.set,
    model: report.model,
    reranker: report.reranker,
    k: report.k,
    sample: report.sample,
    cutoffs: report.cutoffs,
    modes: Object.fromEntries(
      Object.entries(report.modes).map(([mode, m]) => [
        mode,
        {
          ...roundMetrics(m),
          by_style: Object.fromEntries(Object.entries(m.by_style).map(([s, v]) => [s, roundMetrics(v)])),
        },
      ]),
    ),
  };
}
