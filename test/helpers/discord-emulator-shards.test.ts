/**
 * The Discord emulator's sharding, checked with real discord.js clients: each shard connection is
 * told only about its own guilds, events of a guild reach only its shard, DMs reach shard 0, and
 * 'auto' follows the count GET /gateway/bot recommends.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { DiscordEmulator, snowflake } from './discord-emulator.ts';
import { FAKE_TOKEN, guildOnShard } from './bot-harness.ts';

async function connect(
  emu: DiscordEmulator,
  shards: number[] | 'auto',
  shardCount?: number,
): Promise<{ client: Client; seen: Interaction[] }> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: emu.apiUrl },
    shards,
    ...(shardCount ? { shardCount } : {}),
  });
  const seen: Interaction[] = [];
  client.on(Events.InteractionCreate, (i) => void seen.push(i));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(FAKE_TOKEN);
  await ready;
  return { client, seen };
}

describe('discord emulator: sharding', () => {
  const guildA = guildOnShard('Shard zero', 0, 2);
  const guildB = guildOnShard('Shard one', 1, 2);
  let emu: DiscordEmulator;
  let zero: { client: Client; seen: Interaction[] };
  let one: { client: Client; seen: Interaction[] };

  before(async () => {
    emu = await DiscordEmulator.start({
      guilds: [guildA, guildB],
      token: FAKE_TOKEN,
      heartbeatIntervalMs: 1000,
      shardCount: 2,
    });
    zero = await connect(emu, [0], 2);
    one = await connect(emu, [1], 2);
  });
  after(async () => {
    await zero?.client.destroy();
    await one?.client.destroy();
    await emu?.close();
  });

  it('GIVEN two shard processes THEN each IDENTIFYs with its shard pair and is given only the guilds of its shard', () => {
    assert.deepEqual(emu.identifies.map((i) => i.shard).sort(), [
      [0, 2],
      [1, 2],
    ]);
    assert.deepEqual([...zero.client.guilds.cache.keys()], [guildA.id]);
    assert.deepEqual([...one.client.guilds.cache.keys()], [guildB.id]);
    assert.deepEqual(emu.connectedShards.sort(), [
      [0, 2],
      [1, 2],
    ]);
  });

  it("GIVEN an interaction in a guild THEN only the guild's shard receives it; a DM goes to shard 0", async () => {
    const inA = emu.sendInteraction(emu.chatInput({ guildId: guildA.id, name: 'ask' }));
    const inB = emu.sendInteraction(emu.chatInput({ guildId: guildB.id, name: 'ask' }));
    const dm = emu.sendInteraction(emu.chatInput({ name: 'ask', user: { id: snowflake(), username: 'dm' } }));
    assert.deepEqual([inA.deliveredTo, inB.deliveredTo, dm.deliveredTo], [[0], [1], [0]]);
    const ids = (seen: Interaction[]): string[] => seen.map((i) => i.id).sort();
    await waitUntil(() => zero.seen.length === 2 && one.seen.length === 1);
    assert.deepEqual(ids(zero.seen), [inA.id, dm.id].sort());
    assert.deepEqual(ids(one.seen), [inB.id]);
  });

  it('GIVEN an invalid shard pair THEN the gateway closes with 4010', async () => {
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: emu.apiUrl },
      shards: [2],
      shardCount: 2,
    });
    const closed = new Promise<number>((resolve) => client.on(Events.ShardDisconnect, (event) => resolve(event.code)));
    void client.login(FAKE_TOKEN).catch(() => undefined);
    const code = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000))]);
    assert.equal(code, 4010);
    assert.equal(emu.connectedShards.length, 2, 'the refused connection is not counted as a shard');
    await client.destroy();
  });

  it("GIVEN shards 'auto' THEN the client runs the count GET /gateway/bot recommends, one connection each", async () => {
    const emu3 = await DiscordEmulator.start({
      guilds: [guildA, guildB],
      token: FAKE_TOKEN,
      heartbeatIntervalMs: 1000,
      shardCount: 3,
    });
    const { client } = await connect(emu3, 'auto');
    try {
      assert.equal(client.options.shardCount, 3);
      assert.deepEqual(client.options.shards, [0, 1, 2]);
      assert.deepEqual(emu3.identifies.map((i) => i.shard).sort(), [
        [0, 3],
        [1, 3],
        [2, 3],
      ]);
      assert.equal(client.guilds.cache.size, 2, 'one client running every shard has every guild');
    } finally {
      await client.destroy();
      await emu3.close();
    }
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
