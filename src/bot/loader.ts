/** Loads the command modules of commands/, skipping (with a warning naming the file) any that lack `data` or `execute`. */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { CommandModule } from './context.ts';

export const COMMANDS_DIR = resolve(fileURLToPath(new URL('../../commands', import.meta.url)));

export interface LoadedCommands {
  /** By command name (slash commands and the context menu). */
  byName: Map<string, CommandModule>;
  /** By custom_id prefix. */
  byButtonPrefix: Map<string, CommandModule>;
  /** Files skipped, with the reason. */
  skipped: { file: string; reason: string }[];
}

function problemsOf(mod: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const data = mod.data as { name?: unknown; toJSON?: unknown } | undefined;
  if (!data || typeof data !== 'object') problems.push('no `data` export (the command builder)');
  else if (typeof data.name !== 'string' || typeof data.toJSON !== 'function') problems.push('`data` is not a command builder (needs name and toJSON())');
  if (typeof mod.execute !== 'function') problems.push('no `execute` export (the handler)');
  if (mod.autocomplete !== undefined && typeof mod.autocomplete !== 'function') problems.push('`autocomplete` is not a function');
  if (mod.button !== undefined && typeof mod.button !== 'function') problems.push('`button` is not a function');
  return problems;
}

export async function loadCommands(log: Logger, dir: string = COMMANDS_DIR): Promise<LoadedCommands> {
  const byName = new Map<string, CommandModule>();
  const byButtonPrefix = new Map<string, CommandModule>();
  const skipped: { file: string; reason: string }[] = [];
  const files = (await readdir(dir)).filter((f) => /\.(?:ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\./.test(f)).sort();
  for (const f of files) {
    const path = join(dir, f);
    const shown = relative(process.cwd(), path) || path;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      skipped.push({ file: shown, reason: `failed to load: ${(error as Error).message}` });
      log.warn({ file: shown, err: error }, `skipping command file ${shown}: it failed to load`);
      continue;
    }
    const problems = problemsOf(mod);
    if (problems.length) {
      skipped.push({ file: shown, reason: problems.join('; ') });
      log.warn({ file: shown, problems }, `skipping command file ${shown}: ${problems.join('; ')}`);
      continue;
    }
    const command = mod as unknown as CommandModule;
    if (byName.has(command.data.name)) {
      skipped.push({ file: shown, reason: `duplicate command name ${command.data.name}` });
      log.warn({ file: shown }, `skipping command file ${shown}: another file already defines ${command.data.name}`);
      continue;
    }
    byName.set(command.data.name, command);
    if (command.button) byButtonPrefix.set(command.buttonPrefix ?? command.data.name, command);
  }
  return { byName, byButtonPrefix, skipped };
}
