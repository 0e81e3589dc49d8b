/**
 * Sharded bot processes: `npm run start:sharded` (src/bot/shards.ts, discord.js ShardingManager)
 * runs two real `npm start` processes as shards 0 and 1 of 2 against the Discord emulator, on one
 * SQLite DATA_DIR, and again on one PostgreSQL database (where a shard also survives the database
 * restarting under it). Each guild is answered by its own shard only; what one process (a shard or the
 * CLI) writes is answered by the other; a shard killed with SIGKILL while it ingests loses nothing
 * it acknowledged, is started again by the manager, and answers what was added while it was down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DiscordEmulator,
  shardOf,
  MODERATOR_PERMISSIONS,
  type EmuGuild,
  type InteractionReply,
  type SentInteraction,
} from '../helpers/discord-emulator.ts';
import { FAKE_TOKEN, embedText, guildOnShard, opt } from '../helpers/bot-harness.ts';
import { runCli } from '../helpers/cli.ts';
import { testEnv, tinyModel } from '../helpers/engine.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = import.meta.resolve('tsx');

interface Proc {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  text(): string;
  /** stdout's JSON log lines (the manager's and its shards', which share its stdout). */
  lines(): any[];
}

function run(script: string, env: Record<string, string | undefined>): Proc {
  // A temp cwd, so a developer's .env is never read; only the variables given here are set.
  const cwd = mkdtempSync(join(tmpdir(), 'citebot-shards-'));
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, script)], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.on('data', (d) => out.push(String(d)));
  child.stderr!.on('data', (d) => err.push(String(d)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  const lines = (): any[] =>
    out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  return { child, exit, text: () => out.join('') + err.join(''), lines };
}

async function until<T>(
  p: Proc,
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (p.child.exitCode !== null)
      throw new Error(`process exited (${p.child.exitCode}) before ${what}:\n${p.text().slice(-4000)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${p.text().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The "ready" log lines of the shard processes, in order: which process (pid) runs which shards. */
function readyShards(p: Proc): { pid: number; shards: number[]; shardCount: number; guilds: number }[] {
  return p.lines().filter((l) => l.event === 'ready');
}

const baseEnv = (emu: DiscordEmulator): Record<string, string> => ({
  DISCORD_TOKEN: FAKE_TOKEN,
  DISCORD_APPLICATION_ID: emu.applicationId,
  DISCORD_API_URL: emu.apiUrl,
});

describe('start:sharded and npm start: shard settings', () => {
  it('GIVEN malformed shard settings THEN start:sharded lists every problem and exits 2 before starting any shard', async () => {
    const emu = await DiscordEmulator.start({ token: FAKE_TOKEN });
    try {
      const p = run('src/bot/shards.ts', {
        ...baseEnv(emu),
        SHARD_COUNT: 'two',
        SHARD_LIST: '0;1',
        SHARD_SPAWN_DELAY_MS: '-5',
      });
      assert.equal((await p.exit).code, 2, p.text());
      assert.match(p.text(), /cannot start the shards/);
      assert.match(p.text(), /SHARD_COUNT must be a whole number of shards from 1 to 10000 or 'auto', got "two"/);
      assert.match(p.text(), /SHARD_LIST must be comma-separated shard ids like 0,1 \(or auto\), got "0;1"/);
      assert.match(p.text(), /SHARD_SPAWN_DELAY_MS must be a whole number from 0 to 600000, got "-5"/);
      assert.equal(emu.connections, 0);

      const past = run('src/bot/shards.ts', { ...baseEnv(emu), SHARD_COUNT: '2', SHARD_LIST: '1,2' });
      assert.equal((await past.exit).code, 2, past.text());
      assert.match(past.text(), /SHARD_LIST lists shard ids from 0 to 1 only \(SHARD_COUNT is 2\), got 1,2/);
    } finally {
      await emu.close();
    }
  });

  it('GIVEN SHARDS written as a comma list THEN npm start says how discord.js reads it and exits 2', async () => {
    // DATA_DIR: if the check failed, the process would go on to open a store; never the repository's.
    const dataDir = mkdtempSync(join(tmpdir(), 'citebot-shards-data-'));
    try {
      const p = run('src/bot/main.ts', {
        DISCORD_TOKEN: FAKE_TOKEN,
        DISCORD_APPLICATION_ID: '100000000000000000',
        SHARDS: '0,1',
        SHARD_COUNT: '4',
        DATA_DIR: dataDir,
        EMBEDDING_MODEL: 'keyword',
        CITEBOT_OFFLINE: 'true',
      });
      assert.equal((await p.exit).code, 2, p.text());
      assert.match(p.text(), /SHARDS must be a shard id like 0 or a JSON list like \[0,1\], got "0,1"/);
      const noCount = run('src/bot/main.ts', {
        DISCORD_TOKEN: FAKE_TOKEN,
        DISCORD_APPLICATION_ID: '100000000000000000',
        SHARDS: '[1]',
        DATA_DIR: dataDir,
        EMBEDDING_MODEL: 'keyword',
        CITEBOT_OFFLINE: 'true',
      });
      assert.equal((await noCount.exit).code, 2, noCount.text());
      assert.match(noCount.text(), /SHARDS is set but SHARD_COUNT is not/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start:sharded: a shard that keeps failing', () => {
  it('GIVEN a shard Discord keeps refusing THEN it is started again after 1 s, 2 s, 4 s, and SIGTERM stops the manager during a pause', async () => {
    const emu = await DiscordEmulator.start({ token: FAKE_TOKEN });
    const dataDir = mkdtempSync(join(tmpdir(), 'citebot-shards-data-'));
    const refused = ['MTk5OTk5OTk5OTk5OTk5OTk5', 'Gwrong', 'this-token-is-well-formed-but-not-accepted'].join('.');
    const p = run('src/bot/shards.ts', {
      ...baseEnv(emu),
      DISCORD_TOKEN: refused,
      SHARD_COUNT: '1',
      DATA_DIR: dataDir,
      EMBEDDING_MODEL: 'keyword',
      AUTO_INGEST_EXAMPLES: 'false',
      CITEBOT_OFFLINE: 'true',
    });
    try {
      const exits = await until(
        p,
        () => {
          const e = p.lines().filter((l) => l.event === 'shard_exited');
          return e.length >= 3 && e;
        },
        'three exits',
        180_000,
      );
      assert.deepEqual(
        exits.slice(0, 3).map((e) => [e.shard, e.code, e.restartInMs]),
        [
          [0, 1, 1000],
          [0, 1, 2000],
          [0, 1, 4000],
        ],
      );
      p.child.kill('SIGTERM');
      assert.equal((await p.exit).code, 0, p.text().slice(-4000));
      assert.ok(!p.text().includes(refused), 'the token is never printed');
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await emu.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

type Backend = 'sqlite' | 'postgres';

/** The same two-shard scenario on either store: SQLite in one shared DATA_DIR, or one PostgreSQL database. */
function twoShards(backend: Backend): void {
  describe(`start:sharded: two shard processes on one ${backend === 'sqlite' ? 'SQLite DATA_DIR' : 'PostgreSQL database'}`, () => {
    let emu: DiscordEmulator;
    let cluster: PostgresCluster | null = null;
    let databaseUrl: string | null = null;
    let manager: Proc;
    let dataDir: string;
    let modelDir: string;
    let files: string;
    // Shard 0 of 2, and shard 1 of 3: after resharding to 3 its events go to another process.
    const guildA: EmuGuild = (() => {
      for (;;) {
        const guild = guildOnShard('Shard zero newsroom', 0, 2);
        if (shardOf(guild.id, 3) === 1) return guild;
      }
    })();
    const guildB: EmuGuild = guildOnShard('Shard one community', 1, 2);
    const moderator = (guild: EmuGuild) => ({
      guildId: guild.id,
      channelId: guild.channels[0]!.id,
      user: { id: '200000000000000001', username: 'editor' },
      permissions: MODERATOR_PERMISSIONS,
    });

    const ask = (guild: EmuGuild, question: string): SentInteraction =>
      emu.sendInteraction(
        emu.chatInput({
          guildId: guild.id,
          channelId: guild.channels[0]!.id,
          user: { id: '300000000000000001', username: 'reader' },
          name: 'ask',
          options: [opt('question', question)],
        }),
      );
    const ingest = (guild: EmuGuild, title: string, text: string): SentInteraction =>
      emu.sendInteraction(
        emu.chatInput({ ...moderator(guild), name: 'ingest', options: [opt('text', text), opt('title', title)] }),
      );
    const answerOf = (r: InteractionReply): string => embedText(r.message);

    before(async () => {
      emu = await DiscordEmulator.start({
        guilds: [guildA, guildB],
        token: FAKE_TOKEN,
        heartbeatIntervalMs: 1000,
        shardCount: 2,
      });
      dataDir = mkdtempSync(join(tmpdir(), 'citebot-shards-data-'));
      files = mkdtempSync(join(tmpdir(), 'citebot-shards-files-'));
      modelDir = await tinyModel();
      if (backend === 'postgres') {
        cluster = await startPostgres();
        databaseUrl = await cluster.createDatabase();
      }
      manager = run('src/bot/shards.ts', managerEnv({ SHARD_COUNT: 'auto' }));
      // The manager hears of a shard's readiness over IPC, which can overtake the shard's own log line.
      await until(
        manager,
        () => manager.lines().some((l) => l.event === 'shards_started') && readyShards(manager).length === 2,
        'both shards',
        180_000,
      );
    });
    const managerEnv = (extra: Record<string, string>): Record<string, string> => ({
      ...baseEnv(emu),
      DATA_DIR: dataDir,
      MODEL_DIR: modelDir,
      CITEBOT_OFFLINE: 'true',
      EMBED_WORKERS: '1',
      ASK_RATE_USER: '1000/min',
      ASK_RATE_GUILD: '1000/min',
      SHUTDOWN_TIMEOUT_MS: '8000',
      // Shard 1 starts once shard 0 is ready (and has indexed the examples into the empty store).
      SHARD_SPAWN_DELAY_MS: '0',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...extra,
    });
    const cliEnv = (): NodeJS.ProcessEnv =>
      testEnv(dataDir, modelDir, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
    after(async () => {
      if (manager && manager.child.exitCode === null) {
        for (const r of readyShards(manager)) {
          try {
            process.kill(r.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        manager.child.kill('SIGKILL');
      }
      await emu?.close();
      cluster?.destroy();
      for (const dir of [dataDir, files]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('GIVEN SHARD_COUNT=auto THEN the manager runs the 2 shards Discord recommends as two processes, each given only its own guild', () => {
      const ready = readyShards(manager);
      assert.equal(ready.length, 2, manager.text());
      assert.deepEqual(
        ready.map((r) => [r.shards, r.shardCount, r.guilds]),
        [
          [[0], 2, 1],
          [[1], 2, 1],
        ],
      );
      assert.notEqual(ready[0]!.pid, ready[1]!.pid);
      assert.notEqual(ready[0]!.pid, manager.child.pid, 'the shards run in processes of their own');
      assert.deepEqual(emu.connectedShards.sort(), [
        [0, 2],
        [1, 2],
      ]);
      // 'auto' is what the emulator's GET /gateway/bot recommends (DISCORD_API_URL, not discord.com).
      assert.ok(
        manager.lines().some((l) => l.event === 'shards_starting' && l.shardCount === 2 && l.shards.join() === '0,1'),
      );
    });

    it('GIVEN a question in each guild THEN each is sent to, and answered by, its own shard only', async () => {
      const inA = ask(guildA, 'how many were detained as of January 10?');
      const inB = ask(guildB, 'how many were detained as of January 10?');
      assert.deepEqual([inA.deliveredTo, inB.deliveredTo], [[0], [1]]);
      for (const sent of [inA, inB]) {
        const r = await emu.reply(sent, 60_000);
        assert.equal(r.kind, 'edit', JSON.stringify(r.message));
        assert.match(r.message.embeds[0].description, /7,939 people have been detained/);
      }
    });

    it("GIVEN /ingest on shard 0 THEN its guild is answered from it at once, and shard 1's guild does not see another server's article", async () => {
      const fact = 'The Harrowgate ferry carried 3,417 passengers on its first winter crossing.';
      const acked = await emu.reply(ingest(guildA, 'Harrowgate ferry winter crossing', fact), 60_000);
      assert.match(answerOf(acked), /Ingested 1 article/);
      const inA = await emu.reply(ask(guildA, 'how many passengers did the Harrowgate ferry carry?'), 60_000);
      assert.match(inA.message.embeds[0].description, /3,417 passengers/);
      const inB = await emu.reply(ask(guildB, 'how many passengers did the Harrowgate ferry carry?'), 60_000);
      assert.doesNotMatch(
        answerOf(inB),
        /3,417/,
        "a server's own articles are searched only in that server, whichever process serves it",
      );
    });

    // PostgreSQL's NOTIFY brings shard 1 up to date at once: the target is within 1 s.
    const visibleWithinMs = backend === 'postgres' ? 1000 : 10_000;
    it(`GIVEN an article ingested into the library by the CLI while the shards run THEN shard 1 answers it within ${visibleWithinMs / 1000} s of the commit, without a restart`, async () => {
      const file = join(files, 'observatory.json');
      writeFileSync(
        file,
        JSON.stringify({
          id: 'observatory',
          title: 'Observatory dome',
          date: '2026-11-30',
          source: 'Valley Wire',
          paragraphs: ['The hilltop observatory replaced its dome after 61 years, at a cost of 2.8 million euros.'],
        }),
      );
      const cli = await runCli(['ingest', file, '--json'], cliEnv());
      assert.equal(cli.code, 0, cli.stderr);
      const committed = Date.now();
      const r = await emu.reply(ask(guildB, 'how much did the observatory dome cost?'), 60_000);
      // From the CLI's commit until the answer was delivered (including the question's own search).
      const visibleMs = Date.now() - committed;
      console.log(`# CLI commit → answered on shard 1: ${visibleMs} ms`);
      assert.match(r.message.embeds[0].description, /2\.8 million euros/);
      assert.ok(visibleMs < visibleWithinMs, `answered ${visibleMs} ms after the CLI's commit`);
    });

    if (backend === 'postgres') {
      it("GIVEN questions in both guilds THEN each shard loaded its own guild's collection and the library into memory, never the other guild's", () => {
        const [zero, one] = readyShards(manager);
        const loadedBy = (pid: number): string[] =>
          manager
            .lines()
            .filter((l) => l.event === 'collection_loaded' && l.pid === pid)
            .map((l) => l.collection as string)
            .sort();
        assert.deepEqual(loadedBy(zero!.pid), [guildA.id, 'library'].sort(), manager.text().slice(-4000));
        assert.deepEqual(loadedBy(one!.pid), [guildB.id, 'library'].sort(), manager.text().slice(-4000));
      });
    }

    it('GIVEN shard 1 killed with SIGKILL while it ingests THEN nothing it acknowledged is lost, the manager starts it again, and it answers what was added meanwhile', async () => {
      const [, shardOne] = readyShards(manager);
      assert.deepEqual(shardOne!.shards, [1]);
      const filler = (n: number): string =>
        Array.from(
          { length: 12 },
          (_, i) =>
            `Paragraph ${i + 1} of dispatch ${n} describes the council meeting, the weather over the estuary and the timetable of the number ${n + i} bus in some detail.`,
        ).join('\n\n');
      const articles = Array.from({ length: 4 }, (_, n) => ({
        title: `Lock keeper dispatch ${n}`,
        fact: `The lock keeper of basin ${n} recorded ${1201 + n * 111} barges passing in October.`,
        question: `how many barges passed the lock of basin ${n} in October?`,
      }));
      const sent = articles.map((a, n) => ingest(guildB, a.title, `${a.fact}\n\n${filler(n)}`));
      assert.ok(sent.every((s) => s.deliveredTo[0] === 1));
      // Kill it as soon as the first ingest is acknowledged: the others are still being parsed,
      // embedded or written.
      await emu.waitFor(
        () => sent.some((s) => emu.webhookMessages.some((w) => w.token === s.token && w.kind === 'edit')),
        60_000,
        'a first acknowledged ingest',
      );
      process.kill(shardOne!.pid, 'SIGKILL');
      const acknowledged = articles.filter((_, n) =>
        emu.webhookMessages.some(
          (w) => w.token === sent[n]!.token && w.kind === 'edit' && /Ingested/.test(embedText(w.data)),
        ),
      );
      assert.ok(acknowledged.length >= 1);
      console.log(`# acknowledged before SIGKILL: ${acknowledged.length} of ${articles.length}`);

      // While shard 1 is down: shard 0 ingests into its guild, the CLI into the library.
      const onZero = await emu.reply(
        ingest(guildA, 'Tram depot', 'The new tram depot has room for 46 trams and opens in March.'),
        60_000,
      );
      assert.match(answerOf(onZero), /Ingested 1 article/);
      const file = join(files, 'glacier.json');
      writeFileSync(
        file,
        JSON.stringify({
          id: 'glacier',
          title: 'Glacier survey',
          date: '2026-12-01',
          source: 'Alpine Wire',
          paragraphs: ['Surveyors found the Morteratsch glacier retreated 87 metres over the summer.'],
        }),
      );
      const cli = await runCli(['ingest', file, '--json'], cliEnv());
      assert.equal(cli.code, 0, cli.stderr);

      // The manager notices the exit and starts shard 1 again.
      await until(
        manager,
        // A first exit is restarted after the shortest pause (1 s); it doubles while exits repeat.
        () =>
          manager
            .lines()
            .some(
              (l) => l.event === 'shard_exited' && l.shard === 1 && l.signal === 'SIGKILL' && l.restartInMs === 1000,
            ),
        'the exit logged',
        30_000,
      );
      const restarted = await until(
        manager,
        () => readyShards(manager).find((r) => r.shards[0] === 1 && r.pid !== shardOne!.pid),
        'shard 1 ready again',
        180_000,
      );
      assert.notEqual(restarted.pid, shardOne!.pid);
      await emu.waitFor(() => emu.connectedShards.some(([id]) => id === 1) || null, 30_000, 'shard 1 connected');

      for (const a of acknowledged) {
        const r = await emu.reply(ask(guildB, a.question), 60_000);
        assert.match(
          r.message.embeds[0].description,
          new RegExp(a.fact.match(/\d,?\d+ barges/)![0]),
          `acknowledged "${a.title}" lost: ${answerOf(r)}`,
        );
      }
      const glacier = await emu.reply(ask(guildB, 'how far did the Morteratsch glacier retreat?'), 60_000);
      assert.match(glacier.message.embeds[0].description, /87 metres/);
      const depot = await emu.reply(ask(guildA, 'how many trams does the new depot hold?'), 60_000);
      assert.match(depot.message.embeds[0].description, /46 trams/);
    });

    if (backend === 'postgres') {
      it('GIVEN PostgreSQL restarted under the running shards THEN questions are answered while it is down, ingest is refused clearly, and works again once it is back', async () => {
        cluster!.stopServer('fast');
        try {
          // Answered from each shard's caches (keyword index, passages read before, the HNSW index).
          const glacier = await emu.reply(ask(guildB, 'how far did the Morteratsch glacier retreat?'), 60_000);
          assert.match(glacier.message.embeds[0].description, /87 metres/);
          const depot = await emu.reply(ask(guildA, 'how many trams does the new depot hold?'), 60_000);
          assert.match(depot.message.embeds[0].description, /46 trams/);
          const refused = await emu.reply(
            ingest(guildB, 'Ferry timetable', 'The winter ferry leaves at 06:40.'),
            60_000,
          );
          assert.match(answerOf(refused), /can't save changes right now .*questions still work/);
        } finally {
          cluster!.startServer();
        }
        // Each shard's listener reconnects with backoff (at most 5 s apart); until then changes wait.
        const fact = 'The harbour crane lifted 512 containers on the night of the storm.';
        let acked = '';
        for (let attempt = 0; attempt < 30 && !/Ingested 1 article/.test(acked); attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
          acked = answerOf(await emu.reply(ingest(guildB, 'Harbour crane', fact), 60_000));
        }
        assert.match(acked, /Ingested 1 article/);
        const crane = await emu.reply(ask(guildB, 'how many containers did the harbour crane lift?'), 60_000);
        assert.match(crane.message.embeds[0].description, /512 containers/);
        const onZero = await emu.reply(
          ingest(guildA, 'Bakery', 'The corner bakery sells 930 loaves on a Saturday.'),
          60_000,
        );
        assert.match(answerOf(onZero), /Ingested 1 article/);
        const loaves = await emu.reply(ask(guildA, 'how many loaves does the bakery sell on a Saturday?'), 60_000);
        assert.match(loaves.message.embeds[0].description, /930 loaves/);
      });
    }

    it('GIVEN SIGTERM THEN the manager stops every shard cleanly and exits 0', async () => {
      manager.child.kill('SIGTERM');
      const { code } = await manager.exit;
      assert.equal(code, 0, manager.text().slice(-4000));
      const stopped = manager.lines().filter((l) => l.event === 'stopped' && l.name === 'citebot-discord');
      assert.equal(stopped.length, 2, 'both shard processes closed their store and exited');
      assert.ok(!manager.text().includes(FAKE_TOKEN), 'the token is never logged');
    });

    it('GIVEN the bot resharded to 3 shards, this machine running SHARD_LIST=1 THEN guild A, now on shard 1, is answered from what shard 0 ingested for it', async () => {
      manager = run('src/bot/shards.ts', managerEnv({ SHARD_COUNT: '3', SHARD_LIST: '1' }));
      await until(
        manager,
        () => manager.lines().some((l) => l.event === 'shards_started') && readyShards(manager).length === 1,
        'shard 1 of 3',
        180_000,
      );
      const onShardOne = [guildA, guildB].filter((g) => shardOf(g.id, 3) === 1).length;
      assert.deepEqual(
        readyShards(manager).map((r) => [r.shards, r.shardCount, r.guilds]),
        [[[1], 3, onShardOne]],
      );
      const sent = ask(guildA, 'how many passengers did the Harrowgate ferry carry?');
      assert.deepEqual(sent.deliveredTo, [1]);
      const r = await emu.reply(sent, 60_000);
      assert.match(r.message.embeds[0].description, /3,417 passengers/);

      // The manager itself killed: its shard stops rather than stay connected, where a restarted
      // manager would run the same shard a second time.
      const [shard] = readyShards(manager);
      manager.child.kill('SIGKILL');
      await manager.exit;
      const gone = await waitForExit(shard!.pid, 60_000);
      assert.ok(gone, `shard process ${shard!.pid} still runs after its manager was killed`);
      await emu.waitFor(() => emu.connectedShards.length === 0 || null, 10_000, 'the shard disconnected');
    });
  });
}

twoShards('sqlite');
twoShards('postgres');

/** Whether process `pid` has exited within `timeoutMs`. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
