/** /stats (moderators) — articles, passages, model, index size, questions, unanswered questions, feedback, followed feeds' health. */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import { collectionsFor } from '../src/bot/context.ts';
import { buildStatsReply, feedsField } from '../src/bot/views/library.ts';
import { feedsOfCollections } from '../src/ingest/feeds/provenance.ts';
import { LIBRARY_COLLECTION } from '../src/types.ts';

export default slashCommand({
  data: new SlashCommandBuilder()
    .setName('stats')
    .setDescription("citebot's numbers for this server (moderators)")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),
  moderatorOnly: 'see the statistics',

  async run(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const stats = await ctx.engine.stats(interaction.guildId!);
    const reply = buildStatsReply(stats, interaction.guild?.name ?? 'this server');
    // The feeds that fill what this server searches (its own, and the shared library's): last
    // success, last error and articles of each.
    const feeds = ctx.feeds
      ? await feedsOfCollections(ctx.feeds.store, collectionsFor(interaction.guildId, ctx.config))
      : [];
    const field = feedsField(feeds, LIBRARY_COLLECTION, true);
    const embed = reply.embeds[0];
    if (embed && field) embed.fields = [...(embed.fields ?? []), field];
    await interaction.editReply({ embeds: reply.embeds, components: reply.components });
  },
});
