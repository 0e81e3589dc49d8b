/**
 * What `npm run test:crash` kills: the CLI's `ingest` of a folder of 200 files, or (--bot) a
 * running bot process (src/bot/main.ts, the real discord.js client against the Discord emulator)
 * in the middle of a moderator's `/ingest` of one NDJSON attachment holding the same 200 articles.
 * Both write the same articles one transaction each, so the same checks apply after the kill.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_TOKEN, makeGuild, opt } from '../../test/helpers/bot-harness.ts';
import { DiscordEmulator, MODERATOR_PERMISSIONS, type EmuGuild } from '../../test/helpers/discord-emulator.ts';

const REPO = join(import.meta.dirname, '..', '..');
const TSX = import.meta.resolve('tsx');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  /** Settles when the process has exited; `error` says why the ingest did not succeed (null: it did). */
  exited: Promise<Exit & { error: string | null }>;
  kill: () => void;
}

export interface CorpusArticle {
  id: string;
  title: string;
  paragraphs: string[];
}

export interface Target {
  name: 'cli' | 'bot';
  /** Writes the articles where `start` reads them. */
  writeCorpus(dir: string, articles: readonly CorpusArticle[]): void;
  /** Starts an ingest of the corpus in a child process. */
  start(dir: string, env: NodeJS.ProcessEnv, expected: number): Child;
  close(): Promise<void>;
}

function collect(child: ReturnType<typeof spawn>): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}

const exitOf = (child: ReturnType<typeof spawn>): Promise<Exit> =>
  new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));

// ---- the CLI ---------------------------------------------------------------------------------

export const cliTarget: Target = {
  name: 'cli',
  writeCorpus(dir, articles) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const a of articles) writeFileSync(join(dir, `${a.id}.txt`), `${a.title}\n\n${a.paragraphs.join('\n\n')}\n`);
  },
  start(dir, env, expected) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ingest', dir, '--json'], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = collect(child);
    const exited = exitOf(child).then((exit) => ({ ...exit, error: cliProblem(exit, out, expected) }));
    return { exited, kill: () => child.kill('SIGKILL') };
  },
  close: async () => {},
};

function cliProblem(exit: Exit, out: { stdout: () => string; stderr: () => string }, expected: number): string | null {
  if (exit.code !== 0) return `exit ${exit.code ?? exit.signal}: ${out.stderr().trim().slice(-300)}`;
  try {
    const parsed = JSON.parse(out.stdout()) as { articles: { status: string }[]; skipped: unknown[] };
    if (parsed.articles.length !== expected) return `reported ${parsed.articles.length} articles, not ${expected}`;
    if (parsed.skipped.length > 0) return `skipped ${parsed.skipped.length} inputs`;
  } catch {
    return `its output is not JSON: ${out.stdout().slice(0, 200)}`;
  }
  return null;
}

// ---- a running bot -----------------------------------------------------------------------------

const CORPUS_FILE = 'corpus.ndjson';
/** A bot that neither replies nor exits within this is stopped and the run fails. */
const BOT_DEADLINE_MS = 300_000;

/** The emulator lives for the whole audit; each ingest starts a fresh bot process against it. */
export async function botTarget(): Promise<Target> {
  const guild = makeGuild('Crash Desk');
  const emu = await DiscordEmulator.start({ guilds: [guild], token: FAKE_TOKEN });
  return {
    name: 'bot',
    writeCorpus(dir, articles) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, CORPUS_FILE), articles.map((a) => JSON.stringify(a)).join('\n') + '\n');
    },
    start: (dir, env, expected) => startBotIngest(emu, guild, join(dir, CORPUS_FILE), env, expected),
    close: () => emu.close(),
  };
}

/**
 * Starts the bot; once it is connected, a moderator `/ingest`s the corpus as an attachment. When
 * the reply comes it is checked and the bot is stopped as an operator would (SIGTERM, exit 0).
 */
function startBotIngest(
  emu: DiscordEmulator,
  guild: EmuGuild,
  corpusFile: string,
  env: NodeJS.ProcessEnv,
  expected: number,
): Child {
  // A temp cwd, so a developer's .env is never read.
  const cwd = mkdtempSync(join(tmpdir(), 'citebot-crash-bot-'));
  const child = spawn(process.execPath, ['--import', TSX, join(REPO, 'src/bot/main.ts')], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      LOG_LEVEL: 'info',
      DISCORD_TOKEN: FAKE_TOKEN,
      DISCORD_APPLICATION_ID: emu.applicationId,
      DISCORD_API_URL: emu.apiUrl,
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = collect(child);
  const exit = exitOf(child);
  let gone = false;
  void exit.then(() => (gone = true));

  const deadline = Date.now() + BOT_DEADLINE_MS;
  const drive = async (): Promise<string | null> => {
    while (!/"event":"ready"/.test(out.stdout())) {
      if (gone) return `the bot exited before it was ready: ${out.stderr().trim().slice(-300)}`;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        return `the bot was not ready within ${BOT_DEADLINE_MS / 1000} s`;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const file = emu.addAttachment(CORPUS_FILE, readFileSync(corpusFile), 'application/x-ndjson');
    const sent = emu.sendInteraction(
      emu.chatInput({
        guildId: guild.id,
        channelId: guild.channels[0]!.id,
        user: { id: '200000000000000001', username: 'editor' },
        permissions: MODERATOR_PERMISSIONS,
        name: 'ingest',
        options: [opt('file', file.id, 11)],
        resolved: { attachments: { [file.id]: file } },
      }),
    );
    // Waits in short steps, so a bot killed meanwhile leaves no long wait behind.
    for (;;) {
      if (gone) return 'the bot exited before it replied';
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        return `no reply to /ingest within ${BOT_DEADLINE_MS / 1000} s`;
      }
      try {
        const reply = await emu.reply(sent, 1_000);
        const title: string = reply.message?.embeds?.[0]?.title ?? reply.message?.content ?? '';
        child.kill('SIGTERM');
        return title === `Ingested ${expected} articles` ? null : `the bot replied "${title.slice(0, 200)}"`;
      } catch {
        // no reply yet
      }
    }
  };
  const exited = Promise.all([drive(), exit]).then(([problem, e]) => {
    rmSync(cwd, { recursive: true, force: true });
    const error =
      problem ??
      (e.code === 0 ? null : `the bot stopped with exit ${e.code ?? e.signal}: ${out.stderr().trim().slice(-300)}`);
    return { ...e, error };
  });
  return { exited, kill: () => child.kill('SIGKILL') };
}
