/** /stats (moderators) — articles, passages, model, index size, questions, unanswered questions, feedback. */
import { ChatInputCommandInteraction, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { BotContext, CommandInteraction } from '../src/bot/context.ts';
import { requireModerator } from '../src/bot/permissions.ts';
import { buildStatsReply } from '../src/format/discord-reply.ts';

export const data = new SlashCommandBuilder()
  .setName('stats')
  .setDescription("citebot's numbers for this server (moderators)")
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  requireModerator(interaction, ctx.config, 'see the statistics');
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const stats = await ctx.engine.stats(interaction.guildId!);
  const reply = buildStatsReply(stats, interaction.guild?.name ?? 'this server');
  await interaction.editReply({ embeds: reply.embeds, components: reply.components });
}
