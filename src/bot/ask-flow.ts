/**
 * The one ask flow, for /ask, "More passages", the "Ask citebot" menu and mentions:
 * rate check → acknowledge (defer, or "typing…") → engine.ask → view → deliver.
 * Failures are thrown to the caller's error boundary (src/bot/error-boundary.ts), which tells the member.
 */
import { MessageFlags, type Message, type RepliableInteraction } from 'discord.js';
import { answer, type AskRequest } from './ask-service.ts';
import type { BotContext } from './context.ts';
import { enforceRate } from './rate-limit.ts';
import { truncateText, type DiscordReply } from './views/format.ts';

/** Where the answer goes: the first step shows the asker that work started; the second posts the reply. */
export interface AskReplyTarget {
  acknowledge(): Promise<void>;
  deliver(reply: DiscordReply): Promise<void>;
}

export async function runAskFlow(ctx: BotContext, target: AskReplyTarget, request: AskRequest): Promise<void> {
  // Before deferring: a limited asker gets the "try again" line as an immediate private reply.
  enforceRate(ctx.limits, ctx.log, 'ask', request.userId, request.guildId);
  await target.acknowledge();
  await target.deliver(await answer(ctx, request));
}

/** Defers (within Discord's 3 s) and then edits the deferred reply; `ephemeral` fixes who sees it. */
export function interactionTarget(interaction: RepliableInteraction, options: { ephemeral: boolean }): AskReplyTarget {
  return {
    acknowledge: async () => {
      await interaction.deferReply(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    },
    deliver: async (reply) => {
      await interaction.editReply({ embeds: reply.embeds, components: reply.components });
    },
  };
}

/** Shows "typing…" and answers the message, or opens a thread on it (MENTION_REPLY=thread). */
export function messageTarget(ctx: BotContext, message: Message<true>, question: string): AskReplyTarget {
  return {
    acknowledge: async () => {
      void message.channel.sendTyping().catch(() => undefined);
    },
    deliver: async (reply) => {
      if (ctx.config.mentionReply === 'thread' && !message.channel.isThread()) {
        const thread = await message.startThread({ name: truncateText(question, 100), autoArchiveDuration: 1440 });
        await thread.send({ embeds: reply.embeds, components: reply.components });
      } else {
        await message.reply({ embeds: reply.embeds, components: reply.components });
      }
    },
  };
}
