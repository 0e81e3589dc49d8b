/**
 * The Discord client and its events: every interaction goes through the router (src/bot/router.ts)
 * inside the one error boundary (src/bot/error-boundary.ts), mentions through mention mode
 * (src/bot/mentions.ts); graceful shutdown stops taking work, lets in-flight replies finish, and
 * destroys the client.
 */
import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction } from 'discord.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BotContext } from './context.ts';
import { tellAutocomplete, tellInteraction, withErrorBoundary, type Tell } from './error-boundary.ts';
import { loadCommands, type LoadedCommands } from './loader.ts';
import { onMention, warnUnknownAskChannels } from './mentions.ts';
import { describeInteraction, routeInteraction } from './router.ts';

export interface BotOptions {
  /** Directory of command modules (default commands/). */
  commandsDir?: string;
}

/** Event-loop delay since start: how long the loop was ever kept from heartbeats and deferrals. */
export interface EventLoopStats {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface Bot {
  client: Client;
  commands: LoadedCommands;
  /** Resolves once READY and the guilds have arrived. */
  start(): Promise<void>;
  /** Stops taking new work, waits (up to the timeout) for in-flight replies, destroys the client. */
  stop(): Promise<{ drained: boolean; pending: number; eventLoop: EventLoopStats }>;
  inFlight(): number;
}

/**
 * Intents the bot asks for: Guilds always (servers, channels, roles: ASK_CHANNELS and moderator roles);
 * GuildMessages only for mention mode (ASK_CHANNELS set). Never the privileged Message Content intent:
 * Discord includes the text of messages that mention the bot without it, and the bot reads no other messages.
 */
export function intentsFor(config: BotContext['config']): GatewayIntentBits[] {
  const intents = [GatewayIntentBits.Guilds];
  if (config.askChannels.length > 0) intents.push(GatewayIntentBits.GuildMessages);
  return intents;
}

export function createBot(ctx: BotContext, options: BotOptions = {}): Bot {
  const { config, log } = ctx;
  const client = new Client({
    intents: intentsFor(config),
    rest: { api: config.apiUrl },
    // Mentions in answers never ping anyone.
    allowedMentions: { parse: [], repliedUser: false },
  });
  let commands: LoadedCommands = { byName: new Map(), skipped: [] };
  let accepting = true;
  const pending = new Set<Promise<void>>();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });

  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (!accepting) {
      if (interaction.isRepliable()) {
        await interaction
          .reply({ content: 'citebot is restarting; please try again in a minute.', flags: MessageFlags.Ephemeral })
          .catch(() => undefined);
      }
      return;
    }
    const command = describeInteraction(interaction);
    const started = Date.now();
    const tell: Tell = interaction.isAutocomplete()
      ? tellAutocomplete(interaction)
      : interaction.isRepliable()
        ? tellInteraction(interaction)
        : async () => undefined;
    await withErrorBoundary(log, { command, guildId: interaction.guildId }, tell, async () => {
      await routeInteraction(interaction, commands, ctx);
      log.debug({ command, guildId: interaction.guildId, ms: Date.now() - started }, 'interaction handled');
    });
  }

  client.on(Events.InteractionCreate, (interaction) => track(onInteraction(interaction)));
  if (config.askChannels.length > 0) {
    client.on(Events.MessageCreate, (message) => {
      if (accepting) track(onMention(ctx, client, message));
    });
  }
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ event: 'discord_warning' }, message));
  client.on(Events.ShardDisconnect, (event, shardId) =>
    log.warn({ code: event.code, shardId }, 'gateway disconnected'),
  );
  client.on(Events.ShardReconnecting, (shardId) => log.info({ shardId }, 'gateway reconnecting'));

  return {
    client,
    get commands() {
      return commands;
    },
    async start() {
      loopDelay.enable();
      commands = await loadCommands(log, options.commandsDir);
      log.info({ commands: [...commands.byName.keys()], skipped: commands.skipped.length }, 'commands loaded');
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.token);
      await ready;
      log.info(
        {
          event: 'ready',
          user: client.user?.tag,
          guilds: client.guilds.cache.size,
          mentionChannels: config.askChannels.length,
          // Set by discord.js once connected: from SHARDS/SHARD_COUNT, or what Discord recommended.
          shards: client.options.shards,
          shardCount: client.options.shardCount,
        },
        `connected to Discord as shard ${String(client.options.shards)} of ${client.options.shardCount}`,
      );
      warnUnknownAskChannels(ctx, client);
    },
    async stop() {
      accepting = false;
      let drained = true;
      if (pending.size > 0) {
        log.info({ inFlight: pending.size }, 'waiting for in-flight replies');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
        });
        drained = await Promise.race([Promise.allSettled([...pending]).then(() => true as const), timeout]);
        clearTimeout(timer);
      }
      const left = pending.size;
      await client.destroy();
      loopDelay.disable();
      const ms = (ns: number): number => Math.round(ns / 1e5) / 10;
      const eventLoop = { meanMs: ms(loopDelay.mean), p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) };
      log.info({ event: 'event_loop', ...eventLoop }, 'event-loop delay while running');
      return { drained, pending: left, eventLoop };
    },
    inFlight: () => pending.size,
  };
}
