/**
 * Mention mode: "@citebot question" in the channels listed in ASK_CHANNELS is answered like /ask,
 * through the same ask flow and error boundary. Dates and sources are written in the message
 * ("since:2022 source:trt"), since a message has no option fields.
 */
import type { Client, GuildBasedChannel, Message } from 'discord.js';
import { takeFilterWords } from '../search/filter.ts';
import { messageTarget, runAskFlow } from './ask-flow.ts';
import type { BotContext } from './context.ts';
import { tellMessage, withErrorBoundary } from './error-boundary.ts';

function channelAllowed(channel: GuildBasedChannel, askChannels: readonly string[]): boolean {
  const wanted = askChannels.map((c) => c.toLowerCase());
  const candidates = [channel.id, channel.name.toLowerCase()];
  if (channel.isThread() && channel.parent) candidates.push(channel.parent.id, channel.parent.name.toLowerCase());
  return candidates.some((c) => wanted.includes(c));
}

/** Answers `message` if it mentions the bot in an allowed channel; ignores every other message. */
export async function onMention(ctx: BotContext, client: Client, message: Message): Promise<void> {
  if (message.author.bot || !message.inGuild() || !client.user) return;
  if (!message.mentions.users.has(client.user.id)) return;
  if (!channelAllowed(message.channel, ctx.config.askChannels)) return;
  const text = message.content.replace(new RegExp(`<@!?${client.user.id}>`, 'g'), ' ').trim();
  await withErrorBoundary(ctx.log, { command: 'mention', guildId: message.guildId }, tellMessage(message), async () => {
    const { question, filter } = takeFilterWords(text);
    if (!question) {
      await message.reply({
        content: 'Ask me a question after the mention, for example: `@citebot how many people were detained?`',
      });
      return;
    }
    const request = {
      question,
      guildId: message.guildId,
      userId: message.author.id,
      count: ctx.config.askDefaultCount,
      filter,
      via: 'mention',
    };
    await runAskFlow(ctx, messageTarget(ctx, message, question), request);
  });
}

/** Warns at start-up about ASK_CHANNELS entries that no server of the bot has. */
export function warnUnknownAskChannels(ctx: BotContext, client: Client): void {
  const { askChannels } = ctx.config;
  if (askChannels.length === 0) return;
  const known = new Set<string>();
  for (const guild of client.guilds.cache.values()) {
    for (const channel of guild.channels.cache.values()) {
      known.add(channel.id);
      known.add(channel.name.toLowerCase());
    }
  }
  const unknown = askChannels.filter((c) => !known.has(c.toLowerCase()));
  if (unknown.length) {
    ctx.log.warn(
      { event: 'unknown_ask_channels', unknown, guilds: client.guilds.cache.size },
      `ASK_CHANNELS lists ${unknown.length === 1 ? 'a channel' : 'channels'} that no server of the bot has: ${unknown.join(', ')} — mention mode won't answer there (check the spelling, or that the bot can view the channel)`,
    );
  }
}
