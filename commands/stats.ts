/** /stats (moderators) — articles, passages, model, index size, questions, unanswered questions, feedback, followed feeds' health. */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import { truncateText } from '../src/bot/views/format.ts';
import { buildStatsReply } from '../src/bot/views/library.ts';
import { feedHealth } from '../src/format/feeds.ts';

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
    // Followed feeds' health: last success or last error, and how many articles each brought.
    const feeds = ctx.feeds ? await ctx.feeds.store.listFeeds(interaction.guildId!) : [];
    const embed = reply.embeds[0];
    if (embed && feeds.length > 0) {
      const lines = feeds.map(
        (f) => `${f.id} · ${truncateText(f.title ?? f.url, 60)} · ${f.items} article(s) · ${feedHealth(f)}`,
      );
      embed.fields = [...(embed.fields ?? []), { name: 'Feeds', value: truncateText(lines.join('\n'), 1024) }];
    }
    await interaction.editReply({ embeds: reply.embeds, components: reply.components });
  },
});
