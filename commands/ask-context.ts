/** Message context menu "Ask citebot": answers the selected message's text as a question. */
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageContextMenuCommandInteraction, MessageFlags } from 'discord.js';
import { answer, checkRate, QUESTION_MAX_CHARS } from '../src/bot/ask-service.ts';
import { truncateText } from '../src/format/discord-reply.ts';
import type { BotContext, CommandInteraction } from '../src/bot/context.ts';
import { UserError } from '../src/errors.ts';

export const data = new ContextMenuCommandBuilder()
  .setName('Ask citebot')
  .setType(ApplicationCommandType.Message)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof MessageContextMenuCommandInteraction)) return;
  const text = interaction.targetMessage.content.trim();
  if (!text) {
    throw new UserError('empty_article', 'That message has no text I can ask about.');
  }
  const limited = checkRate(ctx, interaction.user.id, interaction.guildId);
  if (limited) {
    await interaction.reply({ content: limited, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply();
  const reply = await answer(ctx, {
    question: truncateText(text.replace(/\s+/g, ' '), QUESTION_MAX_CHARS),
    guildId: interaction.guildId,
    userId: interaction.user.id,
    count: ctx.config.askDefaultCount,
    via: 'context-menu',
  });
  await interaction.editReply({ embeds: reply.embeds, components: reply.components });
}
