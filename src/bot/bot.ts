/**
 * The Discord client and its event handling: interaction routing with one error boundary,
 * mention mode, ASK_CHANNELS checking after READY, and graceful shutdown (stop taking work,
 * let in-flight replies finish, destroy the client).
 */
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type BaseInteraction,
  type GuildBasedChannel,
  type Interaction,
  type Message,
  type RepliableInteraction,
} from 'discord.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isCitebotError, UserError } from '../errors.ts';
import { GENERIC_ERROR_TEXT, truncateText, userErrorText } from '../format/discord-reply.ts';
import { takeFilterWords } from '../search/filter.ts';
import { answer, checkRate } from './ask-service.ts';
import type { BotContext, CommandModule } from './context.ts';
import { loadCommands, type LoadedCommands } from './loader.ts';

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

function describe(interaction: BaseInteraction): string {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) return `/${interaction.commandName}`;
  if (interaction.isMessageContextMenuCommand()) return `menu:${interaction.commandName}`;
  if (interaction.isButton()) return `button:${interaction.customId.split(':').slice(0, 2).join(':')}`;
  return `interaction:${interaction.type}`;
}

/** Shows a UserError ephemerally (or a generic line for anything else) however far the reply got. */
async function reportError(interaction: RepliableInteraction, text: string): Promise<void> {
  if (interaction.deferred && !interaction.replied) {
    if (interaction.ephemeral) {
      await interaction.editReply({ content: text, embeds: [], components: [] });
    } else {
      // The deferred reply is public: remove the "thinking…" placeholder and tell only the user.
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral });
    }
  } else if (interaction.replied || interaction.deferred) {
    // Something was already shown (or a button's message updated): keep it, tell the user privately.
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral });
  } else {
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral });
  }
}

export function createBot(ctx: BotContext, options: BotOptions = {}): Bot {
  const { config, log } = ctx;
  const client = new Client({
    intents: intentsFor(config),
    rest: { api: config.apiUrl },
    // Mentions in answers never ping anyone.
    allowedMentions: { parse: [], repliedUser: false },
  });
  let commands: LoadedCommands = { byName: new Map(), byButtonPrefix: new Map(), skipped: [] };
  let accepting = true;
  const pending = new Set<Promise<void>>();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });

  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  async function route(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) {
      const command = commands.byName.get(interaction.commandName);
      if (!command?.autocomplete) return interaction.respond([]);
      return command.autocomplete(interaction, ctx);
    }
    if (interaction.isChatInputCommand() || interaction.isMessageContextMenuCommand()) {
      const command = commands.byName.get(interaction.commandName);
      if (!command) throw new UserError('not_found', `I don't know the command ${interaction.commandName}; the command list may be out of date.`);
      return command.execute(interaction, ctx);
    }
    if (interaction.isButton()) {
      const [prefix = '', ...args] = interaction.customId.split(':');
      const command = commands.byButtonPrefix.get(prefix);
      if (!command?.button) throw new UserError('not_found', 'That button is no longer supported; ask again.');
      return command.button(interaction, ctx, args);
    }
    return undefined;
  }

  async function onInteraction(interaction: Interaction): Promise<void> {
    const name = describe(interaction);
    if (!accepting) {
      if (interaction.isRepliable()) {
        await interaction
          .reply({ content: 'citebot is restarting; please try again in a minute.', flags: MessageFlags.Ephemeral })
          .catch(() => undefined);
      }
      return;
    }
    const started = Date.now();
    try {
      await route(interaction);
      log.debug({ command: name, guildId: interaction.guildId, ms: Date.now() - started }, 'interaction handled');
    } catch (error) {
      if (interaction.isAutocomplete()) {
        log.error({ err: error, command: name }, 'autocomplete failed');
        if (!interaction.responded) await interaction.respond([]).catch(() => undefined);
        return;
      }
      const isUser = error instanceof UserError;
      if (isUser) log.info({ command: name, code: error.code, guildId: interaction.guildId }, 'user error');
      else log.error({ err: error, command: name, code: isCitebotError(error) ? error.code : undefined, guildId: interaction.guildId }, 'command failed');
      if (!interaction.isRepliable()) return;
      try {
        await reportError(interaction, isUser ? userErrorText(error.message) : GENERIC_ERROR_TEXT);
      } catch (replyError) {
        log.warn({ err: replyError, command: name }, 'could not tell the user about the error');
      }
    }
  }

  // ------------------------------------------------------------------ mention mode

  function channelAllowed(channel: GuildBasedChannel): boolean {
    const wanted = ctx.config.askChannels.map((c) => c.toLowerCase());
    const candidates = [channel.id, channel.name.toLowerCase()];
    if (channel.isThread() && channel.parent) candidates.push(channel.parent.id, channel.parent.name.toLowerCase());
    return candidates.some((c) => wanted.includes(c));
  }

  async function onMessage(message: Message): Promise<void> {
    if (!accepting || message.author.bot || !message.inGuild() || !client.user) return;
    if (!message.mentions.users.has(client.user.id)) return;
    if (!channelAllowed(message.channel)) return;
    const text = message.content.replace(new RegExp(`<@!?${client.user.id}>`, 'g'), ' ').trim();
    try {
      // No option fields in a message: dates and sources are written in it ("since:2022 source:trt").
      const { question, filter } = takeFilterWords(text);
      if (!question) {
        await message.reply({ content: 'Ask me a question after the mention, for example: `@citebot how many people were detained?`' });
        return;
      }
      const limited = checkRate(ctx, message.author.id, message.guildId);
      if (limited) {
        await message.reply({ content: limited });
        return;
      }
      void message.channel.sendTyping().catch(() => undefined);
      const reply = await answer(ctx, { question, guildId: message.guildId, userId: message.author.id, count: ctx.config.askDefaultCount, filter, via: 'mention' });
      if (ctx.config.mentionReply === 'thread' && !message.channel.isThread()) {
        const thread = await message.startThread({ name: truncateText(question, 100), autoArchiveDuration: 1440 });
        await thread.send({ embeds: reply.embeds, components: reply.components });
      } else {
        await message.reply({ embeds: reply.embeds, components: reply.components });
      }
    } catch (error) {
      const isUser = error instanceof UserError;
      if (isUser) log.info({ via: 'mention', code: error.code, guildId: message.guildId }, 'user error');
      else log.error({ err: error, via: 'mention', guildId: message.guildId }, 'mention answer failed');
      await message.reply({ content: isUser ? userErrorText(error.message) : GENERIC_ERROR_TEXT }).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------ start-up checks

  function checkAskChannels(): void {
    if (config.askChannels.length === 0) return;
    const known = new Set<string>();
    for (const guild of client.guilds.cache.values()) {
      for (const channel of guild.channels.cache.values()) {
        known.add(channel.id);
        known.add(channel.name.toLowerCase());
      }
    }
    const unknown = config.askChannels.filter((c) => !known.has(c.toLowerCase()));
    if (unknown.length) {
      log.warn(
        { event: 'unknown_ask_channels', unknown, guilds: client.guilds.cache.size },
        `ASK_CHANNELS lists ${unknown.length === 1 ? 'a channel' : 'channels'} that no server of the bot has: ${unknown.join(', ')} — mention mode won't answer there (check the spelling, or that the bot can view the channel)`,
      );
    }
  }

  client.on(Events.InteractionCreate, (interaction) => track(onInteraction(interaction)));
  if (config.askChannels.length > 0) client.on(Events.MessageCreate, (message) => track(onMessage(message)));
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ event: 'discord_warning' }, message));
  client.on(Events.ShardDisconnect, (event, shardId) => log.warn({ code: event.code, shardId }, 'gateway disconnected'));
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
      checkAskChannels();
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

export type { CommandModule };
