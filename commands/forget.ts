/** /forget article:<autocomplete> (moderators) — removes an article this server ingested. */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import { buildForgetReply } from '../src/bot/views/library.ts';
import { truncateText } from '../src/bot/views/format.ts';
import { UserError } from '../src/errors.ts';

export default slashCommand({
  data: new SlashCommandBuilder()
    .setName('forget')
    .setDescription('Remove an article this server added (moderators)')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addStringOption((o) =>
      o.setName('article').setDescription('The article to remove').setRequired(true).setAutocomplete(true),
    ),
  moderatorOnly: 'remove articles',

  async run(interaction, ctx) {
    const guildId = interaction.guildId!; // moderator-only commands run in servers only
    const wanted = interaction.options.getString('article', true).trim();
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // The autocomplete value is the article id; accept an exact title typed by hand too.
    let removed = await ctx.engine.removeArticle(guildId, wanted);
    if (!removed) {
      const listed = await ctx.engine.listArticles(guildId, { search: wanted, limit: 25 });
      const byTitle = listed.filter((a) => a.title.trim().toLowerCase() === wanted.toLowerCase());
      if (byTitle.length === 1) removed = await ctx.engine.removeArticle(guildId, byTitle[0]!.id);
    }
    if (!removed) {
      throw new UserError(
        'article_missing',
        `No article "${truncateText(wanted, 100)}" among the articles added in this server. Pick one from the list (articles of the shared library can only be removed by the operator).`,
      );
    }
    ctx.log.info({ event: 'forgotten', guildId, articleId: removed.id, passages: removed.passages }, 'article removed');
    const reply = buildForgetReply(removed);
    await interaction.editReply({ embeds: reply.embeds, components: reply.components });
  },

  async autocomplete(interaction, ctx) {
    const typed = interaction.options.getFocused().replace(/\s+/g, ' ').trim();
    const articles = await ctx.engine.listArticles(interaction.guildId!, { search: typed || undefined, limit: 25 });
    await interaction.respond(
      articles
        .filter((a) => a.id.length <= 100)
        .map((a) => ({ name: truncateText(a.title.replace(/\s+/g, ' ').trim(), 100), value: a.id })),
    );
  },
});
