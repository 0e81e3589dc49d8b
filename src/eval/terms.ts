/**
 * Eval and tune flags generated from the one definition of the fusion terms (src/search/fusion.ts):
 * a term added there gets its `--kebab-name` flag here, with its description and range.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FUSION_TERMS, FUSION_TERM_NAMES, type FusionTerm, type FusionWeights } from '../search/fusion.ts';

/** "answerShapeUntrusted" → "answer-shape-untrusted". */
export function flagName(term: FusionTerm): string {
  return term.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The options object's key commander makes of the flag (camelCase again). */
function optionKey(term: FusionTerm): string {
  return term;
}

function parseValue(term: FusionTerm, value: string): number {
  const n = Number(value);
  const max = FUSION_TERMS[term].max;
  if (!Number.isFinite(n) || n < 0 || n > max) throw new InvalidArgumentError(`expected a number from 0 to ${max}`);
  return n;
}

/** Adds one `--<term> <w>` override flag per fusion term (npm run eval). */
export function addWeightFlags(command: Command): Command {
  for (const term of FUSION_TERM_NAMES) {
    command.addOption(
      new Option(`--${flagName(term)} <w>`, `tuning: ${FUSION_TERMS[term].doc}`).argParser((v: string) =>
        parseValue(term, v),
      ),
    );
  }
  return command;
}

/** Adds one `--<term> <list>` grid flag per fusion term (the tune tool); unset terms keep the model's weight. */
export function addGridFlags(command: Command): Command {
  for (const term of FUSION_TERM_NAMES) {
    command.addOption(
      new Option(`--${flagName(term)} <list>`, `values to try: ${FUSION_TERMS[term].doc}`).argParser((v: string) =>
        v.split(',').map((x) => parseValue(term, x.trim())),
      ),
    );
  }
  return command;
}

/** The weight overrides the flags set. */
export function weightOverrides(options: Record<string, unknown>): Partial<FusionWeights> {
  const out: Partial<FusionWeights> = {};
  for (const term of FUSION_TERM_NAMES) {
    const value = options[optionKey(term)];
    if (typeof value === 'number') out[term] = value;
  }
  return out;
}

/** Every combination of the grid flags' values (one empty setting when none is set). */
export function gridOf(options: Record<string, unknown>): Partial<FusionWeights>[] {
  let grid: Partial<FusionWeights>[] = [{}];
  for (const term of FUSION_TERM_NAMES) {
    const values = options[optionKey(term)];
    if (!Array.isArray(values)) continue;
    grid = grid.flatMap((setting) => (values as number[]).map((v) => ({ ...setting, [term]: v })));
  }
  return grid;
}

/** "dense 1 lexical 0.7 …": a setting as one line. */
export function describeWeights(weights: Partial<FusionWeights>): string {
  return FUSION_TERM_NAMES.filter((t) => weights[t] !== undefined)
    .map((t) => `${t} ${weights[t]}`)
    .join(' ');
}

/** The Markdown table of the terms and each model's weights, as docs/quality.md carries it (test/search/fusion-terms.test.ts keeps them equal). */
export function fusionTermsTable(models: readonly string[], weightsOf: (model: string) => FusionWeights): string {
  const header = `| term | flag | ${models.join(' | ')} | what it adds |`;
  const rule = `|---|---|${models.map(() => '---:|').join('')}---|`;
  const rows = FUSION_TERM_NAMES.map(
    (t) =>
      `| \`${t}\` | \`--${flagName(t)}\` | ${models.map((m) => String(weightsOf(m)[t])).join(' | ')} | ${FUSION_TERMS[t].doc.replace(/\|/g, '\\|')} |`,
  );
  return [header, rule, ...rows].join('\n');
}
