/**
 * `npm run test:load`: the load audit of issue 20, kept as a script. A real bot process (what
 * `npm start` runs: src/bot/main.ts) connects with the real discord.js client to the local Discord
 * emulator, with the tiny generated model and the bundled examples. Then:
 *
 *   burst  N `/ask` spread over S seconds from several servers, while another server `/ingest`s a
 *          ~1.5 MB page served by a local 127.0.0.1 server (ALLOW_PRIVATE_HOSTS=127.0.0.1).
 *          Checks: every interaction acknowledged (deferred) within Discord's 3 s; every one answered;
 *          the gateway heartbeat sent and acknowledged on time throughout (no reconnect, the longest
 *          gap between heartbeats under 1.5 intervals); the bot's RSS (VmRSS of its process) back
 *          near its baseline after a settle period (within +25% or +50 MB, whichever is larger).
 *   soak   (--soak N) N `/ask` at a steady pace, a few in flight; RSS after a warm-up and at the
 *          end; fails when it grew 10% or more.
 *
 *   npm run test:load                                       200 questions over 10 s, no soak
 *   npm run test:load -- --questions 200 --seconds 10 --soak 2000
 *   npm run test:load -- --json                             one JSON object with every figure
 *
 * Exits 1 when any check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DiscordEmulator,
  MODERATOR_PERMISSIONS,
  type EmuGuild,
  type InteractionReply,
  type SentInteraction,
} from '../../test/helpers/discord-emulator.ts';
import { FAKE_TOKEN, makeGuild, opt } from '../../test/helpers/bot-harness.ts';
import { tinyModel } from '../../test/helpers/engine.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const DEFER_LIMIT_MS = 3_000;
// Discord's is 41.25 s; a short one gives many beats in a 10 s burst. Late means 1.5 intervals.
const HEARTBEAT_MS = 2_000;
const RSS_SLACK = { ratio: 0.25, mb: 50 };
const SOAK_GROWTH_LIMIT = 0.1;
const QUESTIONS = [
  'how many were detained?',
  'how many vehicles cross the harbour bridge?',
  'how long did the transit strike last?',
  'how big was the wheat crop?',
  'how effective was the norovirus vaccine?',
];

const { values: args } = parseArgs({
  options: {
    questions: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    soak: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    // A V8 CPU profile of the bot's main thread, written into this folder when it stops (--cpu-prof).
    profile: { type: 'string' },
  },
});
const QUESTION_COUNT = positiveInt('questions', args.questions!);
const BURST_SECONDS = Number(args.seconds);
const SOAK_COUNT = Number.parseInt(args.soak!, 10);
if (!(BURST_SECONDS > 0) || !(SOAK_COUNT >= 0)) usage('--seconds must be a positive number and --soak 0 or more');

function positiveInt(name: string, value: string): number {
  const n = Number.parseInt(value, 10);
  if (!(n > 0) || String(n) !== value.trim()) usage(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}
function usage(message: string): never {
  process.stderr.write(
    `test:load: ${message}\nusage: npm run test:load -- [--questions 200] [--seconds 10] [--soak 0] [--json]\n`,
  );
  process.exit(2);
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  if (!args.json) say(`${ok ? 'ok  ' : 'FAIL'} ${name} — ${detail}`);
}
function say(line: string): void {
  if (!args.json) process.stdout.write(`${line}\n`);
}

// ---- the large page, served on 127.0.0.1 ---------------------------------------------------

/**
 * ~1.5 MB of article HTML: 4,500 distinct paragraphs, each one passage of the tiny model, so the
 * article stays under the 5,000-passage cap and is really parsed, embedded and indexed.
 */
function largePage(targetBytes: number): string {
  const paragraphs: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes && i < 4_500; i++) {
    const p = `<p>Dock ledger entry ${i}: the night crew at berth ${i % 97} moved ${(i * 37) % 1000} containers of grain, timber and machine parts, and the harbour master noted ${i % 13} delays caused by wind, tide and a crane that needed repair before the morning shift began its work on the eastern quay, according to the morning report of the port authority.</p>`;
    paragraphs.push(p);
    size += p.length;
  }
  return `<html><head><title>The harbour ledger, one night at a time</title></head><body><article><h1>The harbour ledger</h1>${paragraphs.join('\n')}</article></body></html>`;
}

async function servePage(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/ledger.html') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger.html` };
}

// ---- the bot process ------------------------------------------------------------------------

interface BotProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
  cwd: string;
}

function startBot(emu: DiscordEmulator, dataDir: string, modelDir: string): BotProcess {
  // A temp cwd, so a developer's .env is never read; only these variables are set.
  const cwd = mkdtempSync(join(tmpdir(), 'citebot-load-cwd-'));
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', TSX, join(ROOT, 'src/bot/main.ts')], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DISCORD_TOKEN: FAKE_TOKEN,
      DISCORD_APPLICATION_ID: emu.applicationId,
      DISCORD_API_URL: emu.apiUrl,
      DATA_DIR: dataDir,
      MODEL_DIR: modelDir,
      CITEBOT_OFFLINE: 'true',
      ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      // The load is many users in few servers: the per-user and per-server caps are not under test.
      ASK_RATE_USER: '1000/min',
      ASK_RATE_GUILD: '100000/min',
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout!.on('data', (d) => chunks.push(String(d)));
  child.stderr!.on('data', (d) => chunks.push(String(d)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => chunks.join(''), exit, cwd };
}

async function waitForOutput(bot: BotProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!pattern.test(bot.output())) {
    if (bot.child.exitCode !== null)
      throw new Error(`the bot exited (${bot.child.exitCode}) before ${pattern}:\n${bot.output().slice(-4000)}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${pattern}:\n${bot.output().slice(-4000)}`);
    await sleep(50);
  }
}

/** The bot process's resident memory in MB (VmRSS: its worker threads included). */
function rssMb(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(line[1]) / 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (n: number): number => Math.round(n * 10) / 10;

// ---- asking ----------------------------------------------------------------------------------

let userCounter = 0;
function ask(emu: DiscordEmulator, guild: EmuGuild, question: string): SentInteraction {
  const user = { id: `4${String(++userCounter).padStart(17, '0')}`, username: `reader${userCounter}` };
  return emu.sendInteraction(
    emu.chatInput({
      guildId: guild.id,
      channelId: guild.channels[0]!.id,
      user,
      name: 'ask',
      options: [opt('question', question)],
    }),
  );
}

interface Outcome {
  deferMs: number | null;
  answered: boolean;
  problem?: string;
}

async function outcome(emu: DiscordEmulator, sent: SentInteraction, timeoutMs: number): Promise<Outcome> {
  let r: InteractionReply;
  try {
    r = await emu.reply(sent, timeoutMs);
  } catch (error) {
    const callback = emu.callbackFor(sent.id);
    return { deferMs: callback ? callback.at - sent.dispatchedAt : null, answered: false, problem: String(error) };
  }
  const text: string = r.message?.embeds?.[0]?.description ?? r.message?.content ?? '';
  const deferred = r.callback.type === 5;
  return {
    deferMs: r.deferLatencyMs,
    answered: deferred && text.length > 0,
    ...(deferred ? {} : { problem: `answered with callback type ${r.callback.type}: ${text.slice(0, 120)}` }),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

// ---- the phases ------------------------------------------------------------------------------

async function burst(
  emu: DiscordEmulator,
  askers: EmuGuild[],
  ingester: EmuGuild,
  pageUrl: string,
): Promise<Record<string, unknown>> {
  const start = Date.now();
  const heartbeatsBefore = emu.heartbeats.length;
  const connectionsBefore = emu.connections;
  const resumesBefore = emu.resumes;
  const ingestSent = emu.sendInteraction(
    emu.chatInput({
      guildId: ingester.id,
      channelId: ingester.channels[0]!.id,
      user: { id: '200000000000000001', username: 'editor' },
      permissions: MODERATOR_PERMISSIONS,
      name: 'ingest',
      options: [opt('url', pageUrl)],
    }),
  );
  const ingestDone = emu.reply(ingestSent, 180_000).then(
    (r) => ({
      deferMs: r.deferLatencyMs,
      text: String(r.message?.embeds?.[0]?.description ?? r.message?.content ?? ''),
      at: Date.now(),
    }),
    (error) => ({ deferMs: null, text: `no answer: ${String(error)}`, at: Date.now() }),
  );
  const spacingMs = (BURST_SECONDS * 1000) / QUESTION_COUNT;
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < QUESTION_COUNT; i++) {
    const due = start + i * spacingMs;
    if (due > Date.now()) await sleep(due - Date.now());
    pending.push(outcome(emu, ask(emu, askers[i % askers.length]!, QUESTIONS[i % QUESTIONS.length]!), 120_000));
  }
  const sentAllMs = Date.now() - start;
  const outcomes = await Promise.all(pending);
  const answeredAllMs = Date.now() - start;
  const ingest = await ingestDone;
  const end = Date.now();

  const defers = outcomes.map((o) => o.deferMs ?? Infinity).sort((a, b) => a - b);
  const late = defers.filter((d) => d >= DEFER_LIMIT_MS).length;
  const unanswered = outcomes.filter((o) => !o.answered);
  const beats = emu.heartbeats.slice(heartbeatsBefore).filter((b) => b.at <= end);
  const times = [start, ...beats.map((b) => b.at), end];
  const maxGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  const unacked = beats.filter((b) => !b.acked).length;
  const reconnects = emu.connections - connectionsBefore + emu.resumes - resumesBefore;

  check(
    `${QUESTION_COUNT} /ask deferred within 3 s`,
    late === 0,
    `max ${round(defers.at(-1)!)} ms, p50 ${percentile(defers, 0.5)} ms, p99 ${percentile(defers, 0.99)} ms; ${late} late or never`,
  );
  check(
    `${QUESTION_COUNT} /ask answered`,
    unanswered.length === 0,
    unanswered.length
      ? `${unanswered.length} not answered, e.g. ${unanswered[0]!.problem}`
      : `all answered, the last ${(answeredAllMs / 1000).toFixed(1)} s after the first was sent`,
  );
  check(
    '/ingest of the large page deferred within 3 s and answered',
    ingest.deferMs !== null &&
      ingest.deferMs < DEFER_LIMIT_MS &&
      /[\d,]+ passages · (new|updated|unchanged)/.test(ingest.text),
    `deferred in ${ingest.deferMs ?? 'never'} ms; ${(ingest.at - start) / 1000} s to "${ingest.text.replace(/\s+/g, ' ').slice(0, 140)}"`,
  );
  check(
    'gateway heartbeat on time throughout',
    maxGap < HEARTBEAT_MS * 1.5 && unacked === 0 && reconnects === 0,
    `interval ${HEARTBEAT_MS} ms; ${beats.length} heartbeats, longest gap ${maxGap} ms (limit ${HEARTBEAT_MS * 1.5}), ${unacked} unacknowledged, ${reconnects} reconnects`,
  );
  return {
    questions: QUESTION_COUNT,
    seconds: BURST_SECONDS,
    sentAllMs,
    answeredAllMs,
    deferMaxMs: defers.at(-1),
    deferP50Ms: percentile(defers, 0.5),
    deferP99Ms: percentile(defers, 0.99),
    lateDeferrals: late,
    unanswered: unanswered.length,
    ingestDeferMs: ingest.deferMs,
    ingestAnsweredMs: ingest.at - start,
    ingestReply: ingest.text,
    heartbeats: beats.length,
    maxHeartbeatGapMs: maxGap,
    unackedHeartbeats: unacked,
    reconnects,
  };
}

/** Polls RSS until it is back within bounds of the baseline, or `settleMs` ran out. */
async function settledRss(
  pid: number,
  baselineMb: number,
  settleMs: number,
): Promise<{ mb: number; waitedMs: number; limitMb: number }> {
  const limitMb = baselineMb + Math.max(RSS_SLACK.mb, baselineMb * RSS_SLACK.ratio);
  const started = Date.now();
  let mb = rssMb(pid);
  while (mb > limitMb && Date.now() - started < settleMs) {
    await sleep(1000);
    mb = rssMb(pid);
  }
  return { mb, waitedMs: Date.now() - started, limitMb };
}

/** `count` questions at a steady pace, `inFlight` at a time; RSS after the warm-up tenth and at the end. */
async function soak(
  emu: DiscordEmulator,
  askers: EmuGuild[],
  pid: number,
  count: number,
): Promise<Record<string, unknown>> {
  const inFlight = 4;
  const warmUp = Math.max(1, Math.floor(count / 10));
  let next = 0;
  let failures = 0;
  let late = 0;
  let warmRss = 0;
  const started = Date.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const o = await outcome(emu, ask(emu, askers[i % askers.length]!, QUESTIONS[i % QUESTIONS.length]!), 60_000);
      if (!o.answered) failures++;
      if ((o.deferMs ?? Infinity) >= DEFER_LIMIT_MS) late++;
      if (i === warmUp) warmRss = rssMb(pid);
      if (!args.json && (i + 1) % 1000 === 0)
        say(`     soak: ${i + 1} of ${count} questions, RSS ${rssMb(pid).toFixed(0)} MB`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (Date.now() - started) / 1000;
  const endRss = rssMb(pid);
  warmRss ||= endRss;
  const growth = (endRss - warmRss) / warmRss;
  check(
    `soak of ${count} questions answered`,
    failures === 0 && late === 0,
    `${failures} unanswered, ${late} deferred late; ${(count / seconds).toFixed(1)} questions/s over ${seconds.toFixed(0)} s`,
  );
  check(
    'soak RSS growth under 10% after warm-up',
    growth < SOAK_GROWTH_LIMIT,
    `${warmRss.toFixed(0)} MB after ${warmUp} questions → ${endRss.toFixed(0)} MB at the end (${(growth * 100).toFixed(1)}%)`,
  );
  return {
    count,
    seconds: round(seconds),
    failures,
    late,
    warmUpQuestions: warmUp,
    rssAfterWarmUpMb: round(warmRss),
    rssEndMb: round(endRss),
    growthPct: round(growth * 100),
  };
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  const loadBefore = loadavg()[0]!;
  const askers = ['Newsroom North', 'Newsroom South', 'Community East', 'Community West'].map((n) => makeGuild(n));
  const ingester = makeGuild('Archive Desk');
  const emu = await DiscordEmulator.start({
    guilds: [...askers, ingester],
    token: FAKE_TOKEN,
    heartbeatIntervalMs: HEARTBEAT_MS,
  });
  const page = largePage(1.5 * 1024 * 1024);
  const { server, url } = await servePage(page);
  const dataDir = mkdtempSync(join(tmpdir(), 'citebot-load-data-'));
  const modelDir = await tinyModel();
  say(
    `test:load — ${QUESTION_COUNT} /ask over ${BURST_SECONDS} s from ${askers.length} servers while a 5th ingests a ${(page.length / 1024 / 1024).toFixed(1)} MB page; soak ${SOAK_COUNT}; load average ${loadBefore.toFixed(1)}`,
  );
  const bot = startBot(emu, dataDir, modelDir);
  const result: Record<string, unknown> = {};
  try {
    await waitForOutput(bot, /"event":"ready"/, 120_000);
    await waitForOutput(bot, /"event":"examples_ingested"/, 120_000);
    const pid = bot.child.pid!;
    // Warm up (model, index, caches) so the baseline is the bot at work, not the bot just started.
    for (let i = 0; i < 10; i++)
      await outcome(emu, ask(emu, askers[i % askers.length]!, QUESTIONS[i % QUESTIONS.length]!), 60_000);
    await sleep(2000);
    const baselineMb = rssMb(pid);
    say(
      `     bot ready (pid ${pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; baseline RSS ${baselineMb.toFixed(0)} MB`,
    );

    let peakMb = baselineMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 200);
    result.burst = await burst(emu, askers, ingester, url);
    clearInterval(sampler);
    const settled = await settledRss(pid, baselineMb, 30_000);
    check(
      'RSS back near the baseline after the burst',
      settled.mb <= settled.limitMb,
      `baseline ${baselineMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB, ${settled.mb.toFixed(0)} MB after ${(settled.waitedMs / 1000).toFixed(0)} s (limit ${settled.limitMb.toFixed(0)} MB: +25% or +50 MB)`,
    );
    result.rss = {
      baselineMb: round(baselineMb),
      peakMb: round(peakMb),
      afterMb: round(settled.mb),
      limitMb: round(settled.limitMb),
      settleWaitMs: settled.waitedMs,
    };

    if (SOAK_COUNT > 0) result.soak = await soak(emu, askers, pid, SOAK_COUNT);

    bot.child.kill('SIGTERM');
    const code = await Promise.race([bot.exit, sleep(20_000).then(() => 'timeout' as const)]);
    check('bot stops cleanly on SIGTERM', code === 0, `exit ${code}`);
    // The bot logs its event-loop delay over the whole run when it stops.
    const loop = /\{[^\n]*"event":"event_loop"[^\n]*\}/.exec(bot.output());
    if (loop) {
      const { meanMs, p99Ms, maxMs } = JSON.parse(loop[0]) as { meanMs: number; p99Ms: number; maxMs: number };
      result.eventLoop = { meanMs, p99Ms, maxMs };
      say(`     bot event-loop delay over the run: mean ${meanMs} ms, p99 ${p99Ms} ms, max ${maxMs} ms`);
    }
  } catch (error) {
    check('load test ran', false, error instanceof Error ? error.message.slice(0, 2000) : String(error));
  } finally {
    if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await bot.exit;
    server.closeAllConnections();
    server.close();
    await emu.close();
    for (const d of [dataDir, bot.cwd]) rmSync(d, { recursive: true, force: true });
  }
  const failed = checks.filter((c) => !c.ok).length;
  const seconds = round((Date.now() - t0) / 1000);
  const loadAfter = loadavg()[0]!;
  if (args.json)
    process.stdout.write(
      `${JSON.stringify({ ok: failed === 0, seconds, loadAverage: { before: round(loadBefore), after: round(loadAfter) }, checks, ...result })}\n`,
    );
  else
    say(
      `${checks.length - failed} of ${checks.length} load checks passed in ${seconds} s (load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`,
    );
  process.exitCode = failed ? 1 : 0;
}

await main();
