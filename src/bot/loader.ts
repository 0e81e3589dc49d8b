/**
 * Loads the command modules of commands/ (each one's default export, see src/bot/command.ts),
 * skipping with a warning that names the file any module that does not declare a valid command.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { Command } from './command.ts';

export const COMMANDS_DIR = resolve(fileURLToPath(new URL('../../commands', import.meta.url)));

export interface LoadedCommands {
  /** By command name (slash commands and the context menu); buttons go to the command their custom id names. */
  byName: Map<string, Command>;
  /** Files skipped, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** Application command types in the builder's JSON: what Discord will send for each kind. */
const JSON_TYPE: Record<Command['kind'], number> = { slash: 1, 'message-menu': 3 };

function problemsOf(exported: unknown): string[] {
  if (!exported || typeof exported !== 'object')
    return ['no default export (the command, e.g. `export default slashCommand({ … })`)'];
  const command = exported as Record<string, unknown>;
  const problems: string[] = [];
  const data = command.data as { name?: unknown; toJSON?: unknown } | undefined;
  if (!data || typeof data !== 'object') problems.push('no `data` (the command builder)');
  else if (typeof data.name !== 'string' || typeof data.toJSON !== 'function')
    problems.push('`data` is not a command builder (needs name and toJSON())');
  const kind = command.kind;
  if (kind !== 'slash' && kind !== 'message-menu')
    problems.push('`kind` must be "slash" or "message-menu" (use slashCommand() or messageMenuCommand())');
  else if (data && typeof data.toJSON === 'function') {
    const type = (data.toJSON as () => { type?: number }).call(data).type ?? 1;
    if (type !== JSON_TYPE[kind])
      problems.push(`\`kind\` is "${kind}" but \`data\` builds an application command of type ${type}`);
  }
  if (command.moderatorOnly !== false && (typeof command.moderatorOnly !== 'string' || !command.moderatorOnly)) {
    problems.push('`moderatorOnly` must be false or what only moderators may do ("remove articles")');
  }
  if (typeof command.run !== 'function') problems.push('no `run` (the handler)');
  for (const optional of ['autocomplete', 'button']) {
    if (command[optional] !== undefined && typeof command[optional] !== 'function')
      problems.push(`\`${optional}\` is not a function`);
  }
  return problems;
}

export async function loadCommands(log: Logger, dir: string = COMMANDS_DIR): Promise<LoadedCommands> {
  const byName = new Map<string, Command>();
  const skipped: { file: string; reason: string }[] = [];
  const skip = (file: string, reason: string, error?: unknown): void => {
    skipped.push({ file, reason });
    log.warn({ file, err: error }, `skipping command file ${file}: ${reason}`);
  };
  const files = (await readdir(dir))
    .filter((f) => /\.(?:ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\./.test(f))
    .sort();
  for (const f of files) {
    const path = join(dir, f);
    const shown = relative(process.cwd(), path) || path;
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
    } catch (error) {
      skip(shown, `failed to load: ${(error as Error).message}`, error);
      continue;
    }
    const problems = problemsOf(exported);
    if (problems.length) {
      skip(shown, problems.join('; '));
      continue;
    }
    const command = exported as Command;
    if (byName.has(command.data.name)) {
      skip(shown, `another file already defines ${command.data.name}`);
      continue;
    }
    byName.set(command.data.name, command);
  }
  return { byName, skipped };
}
