/**
 * The command line: ingest, ask, sources, show, remove, stats, calibrate, questions, reindex, backup, restore,
 * migrate-to-postgres, export, feeds. Works with no Discord. Answers go to stdout (one JSON object
 * with --json); notices, progress and errors to stderr. The commands live in src/cli/, one file per
 * kind of work; this file builds the program and turns failures into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { addFeedCommands } from './cli-feeds.ts';
import { addIngestCommand } from './cli/ingest.ts';
import { addLibraryCommands } from './cli/library.ts';
import { notice, print, progressBar } from './cli/output.ts';
import { withEngine } from './cli/session.ts';
import { addStoreCommands } from './cli/store.ts';
import { errorJson, isCitebotError } from './errors.ts';
import { escapeForTerminal, terminalSafeJson } from './format/terminal.ts';

loadDotenv({ quiet: true });

export function buildProgram(): Command {
  const program = new Command()
    .name('citebot')
    .description('Cited answers from your articles, embedded locally.')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting, so main() gives usage errors their documented exit code 2.
    .exitOverride();
  addIngestCommand(program);
  addLibraryCommands(program);
  addStoreCommands(program);
  addFeedCommands(program, { withEngine, print, progressBar, notice });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already; 0 is --help and --version.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      // The reader stopped early (`export | head`): like other command-line tools, stop quietly.
      process.exitCode = 0;
    } else if (argv.includes('--json')) {
      // Scripts read stdout: the failure is one JSON object there too, and the exit code says it failed.
      process.stdout.write(`${terminalSafeJson(errorJson(error))}\n`);
      process.exitCode = isCitebotError(error) ? error.exitCode : 1;
    } else if (isCitebotError(error)) {
      process.stderr.write(`citebot: ${escapeForTerminal(error.message)}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(
        `citebot: unexpected error: ${escapeForTerminal(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
      );
      process.exitCode = 1;
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  await main(process.argv);
}
