/**
 * The one error boundary of the Discord layer. Every interaction and every mention runs inside it:
 * the operator gets the error in the logs (with the command and server), the member gets a
 * member-safe line chosen by the error's code (src/bot/member-text.ts), however far the reply got.
 */
import { MessageFlags, type AutocompleteInteraction, type Message, type RepliableInteraction } from 'discord.js';
import type { Logger } from 'pino';
import { audienceOf, isCitebotError } from '../errors.ts';
import { memberErrorText } from './member-text.ts';

export interface FailurePlace {
  /** "/ask", "button:ask:more", "menu:Ask citebot", "mention". */
  command: string;
  guildId: string | null;
}

/** How to tell the member: by the interaction's reply, or by answering their message. */
export type Tell = (text: string) => Promise<unknown>;

/** Runs `work`; on failure logs it and tells the member. Never throws. */
export async function withErrorBoundary(
  log: Logger,
  place: FailurePlace,
  tell: Tell,
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    await reportFailure(log, error, place, tell);
  }
}

async function reportFailure(log: Logger, error: unknown, place: FailurePlace, tell: Tell): Promise<void> {
  const code = isCitebotError(error) ? error.code : undefined;
  // A member's own mistake (a bad date, asking too often) is routine: info, without a stack.
  if (code && audienceOf(code) === 'member') log.info({ ...place, code }, 'user error');
  else log.error({ err: error, ...place, code }, 'command failed');
  try {
    await tell(memberErrorText(error));
  } catch (replyError) {
    log.warn({ err: replyError, command: place.command }, 'could not tell the user about the error');
  }
}

/** Tells the member privately (ephemeral), whether the interaction was answered, deferred or neither. */
export function tellInteraction(interaction: RepliableInteraction): Tell {
  return async (text) => {
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
  };
}

/** Suggestions cannot carry a message: a failed autocomplete offers nothing. */
export function tellAutocomplete(interaction: AutocompleteInteraction): Tell {
  return async () => {
    if (!interaction.responded) await interaction.respond([]);
  };
}

/** Answers the member's message (mention mode). */
export function tellMessage(message: Message): Tell {
  return (text) => message.reply({ content: text });
}
