/** /forget article:<autocomplete> (moderators) — removes an article this server ingested. */
import { AutocompleteInteraction, ChatInputCommandInteraction, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { BotContext, CommandInteraction } from '../src/bot/context.ts';
import { isModerator, requireModerator } from '../src/bot/permissions.ts';
import { UserError } from '../src/errors.ts';
import { buildForgetReply, truncateText } from '../src/format/discord-reply.ts';

export const data = new SlashCommandBuilder()
  .setName('forget')
  .setDescription('Remove an article this server added (moderators)')
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addStringOption((o) => o.setName('article').setDescription('The article to remove').setRequired(true).setAutocomplete(true));

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  requireModerator(interaction, ctx.config, 'remove articles');
  const guildId = interaction.guildId!;
  const wanted = interaction.options.getString('article', true).trim();
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  // The autocomplete value is the article id; accept an exact title typed by hand too.
  let removed = await ctx.engine.removeArticle(guildId, wanted);
  if (!removed) {
    const byTitle = (await ctx.engine.listArticles(guildId, { search: wanted, limit: 25 })).filter((a) => a.title.trim().toLowerCase() === wanted.toLowerCase());
    if (byTitle.length === 1) removed = await ctx.engine.removeArticle(guildId, byTitle[0]!.id);
  }
  if (!removed) {
    throw new UserError(
      'not_found',
      `No article "${truncateText(wanted, 100)}" among the articles added in this server. Pick one from the list (articles of the shared library can only be removed by the operator).`,
    );
  }
  ctx.log.info({ event: 'forgotten', guildId, articleId: removed.id, passages: removed.passages }, 'article removed');
  const reply = buildForgetReply(removed);
  await interaction.editReply({ embeds: reply.embeds, components: reply.components });
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild() || !isModerator(interaction, ctx.config)) {
    await interaction.respond([]);
    return;
  }
  const typed = interaction.options.getFocused().replace(/\s+/g, ' ').trim();
  const articles = await ctx.engine.listArticles(interaction.guildId, { search: typed || undefined, limit: 25 });
  await interaction.respond(
    articles.filter((a) => a.id.length <= 100).map((a) => ({ name: truncateText(a.title.replace(/\s+/g, ' ').trim(), 100), value: a.id })),
  );
}
