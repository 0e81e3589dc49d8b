/**
 * What the CLI writes: answers on stdout (one JSON object with --json), notices and progress bars
 * on stderr. Everything goes through src/format/terminal.ts: titles, passages, questions and file
 * names come from articles and Discord members, and must not drive the operator's terminal.
 */
import cliProgress from 'cli-progress';
import type { IngestProgress } from '../engine-api.ts';
import { escapeForTerminal, terminalSafeJson, toTerminal } from '../format/terminal.ts';
import { ANSI, PLAIN, type TextStyle } from '../format/text.ts';

export const colorOut = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const stdoutStyle = (): TextStyle => (colorOut() ? ANSI(Math.min(process.stdout.columns || 100, 110)) : PLAIN);

export function notice(message: string): void {
  process.stderr.write(`citebot: ${escapeForTerminal(message)}\n`);
}

export function print(json: boolean | undefined, data: unknown, text: string): void {
  process.stdout.write(json ? `${terminalSafeJson(data)}\n` : `${toTerminal(text, colorOut())}\n`);
}

export interface ProgressBar {
  update: (p: IngestProgress) => void;
  stop: () => void;
}

/** A progress bar on stderr for interactive runs; silent for scripts and --json. */
export function progressBar(enabled: boolean, label: string, unit = 'passages'): ProgressBar {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration}s`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: ({ done, total }) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}
