/**
 * /feed (moderators) — follow a newsroom's feeds and sitemaps; their new articles fill this
 * server's collection by themselves (src/ingest/feeds/). Subcommands: add, list, remove, poll.
 */
import {
  ChannelType,
  EmbedBuilder,
  type ChatInputCommandInteraction,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
} from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import type { BotContext } from '../src/bot/context.ts';
import { truncateText } from '../src/bot/views/format.ts';
import { UserError } from '../src/errors.ts';
import { parseInterval } from '../src/ingest/feeds/scheduler.ts';
import { feedHealth, formatInterval, formatPollSummary } from '../src/format/feeds.ts';

const data = new SlashCommandBuilder()
  .setName('feed')
  .setDescription("Follow feeds and sitemaps that fill this server's collection (moderators)")
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((s) =>
    s
      .setName('add')
      .setDescription('Follow an RSS, Atom or JSON feed, or a sitemap')
      .addStringOption((o) =>
        o.setName('url').setDescription('The feed or sitemap address').setRequired(true).setMaxLength(2000),
      )
      .addStringOption((o) =>
        o.setName('every').setDescription('How often to check it: 15m (default), 1h, 1d; at least 5m').setMaxLength(10),
      )
      .addChannelOption((o) =>
        o
          .setName('announce-channel')
          .setDescription('Post the title and link of each new article here')
          .addChannelTypes(ChannelType.GuildText),
      ),
  )
  .addSubcommand((s) => s.setName('list').setDescription("This server's feeds and their health"))
  .addSubcommand((s) =>
    s
      .setName('remove')
      .setDescription('Stop following a feed (its articles stay)')
      .addStringOption((o) =>
        o.setName('feed').setDescription('The id from /feed list, or the address').setRequired(true).setMaxLength(2000),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('poll')
      .setDescription('Check feeds now')
      .addStringOption((o) =>
        o.setName('feed').setDescription("One feed (default: all of this server's)").setMaxLength(2000),
      ),
  );

function feedsOf(ctx: BotContext): NonNullable<BotContext['feeds']> {
  if (!ctx.feeds) throw new UserError('feeds_disabled', 'Feeds are not enabled on this bot.');
  return ctx.feeds;
}

export default slashCommand({ data, moderatorOnly: 'manage feeds', run: feed });

async function feed(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const feeds = feedsOf(ctx);
  const guildId = interaction.guildId!;
  const sub = interaction.options.getSubcommand(true);

  if (sub === 'add') {
    const every = interaction.options.getString('every');
    const everyMs = every ? parseInterval(every) : undefined;
    const channel = interaction.options.getChannel('announce-channel');
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const feed = await feeds.add(interaction.options.getString('url', true), {
      collection: guildId,
      ...(everyMs ? { everyMs } : {}),
      announceChannel: channel?.id ?? null,
    });
    ctx.log.info({ event: 'feed_added', guildId, feedId: feed.id }, 'feed followed');
    await interaction.editReply({
      content: `Following feed ${feed.id}: ${feed.url}\nChecked every ${formatInterval(feed.everyMs)}; the first check starts now.${channel ? ` New articles are announced in <#${channel.id}>.` : ''}`,
      allowedMentions: { parse: [] },
    });
    return;
  }

  if (sub === 'list') {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const list = await feeds.store.listFeeds(guildId);
    const embed = new EmbedBuilder().setTitle('Feeds followed here');
    embed.setDescription(
      list.length === 0
        ? 'None yet. Follow one with `/feed add`.'
        : truncateText(
            list
              .map(
                (f) =>
                  `**${f.id}** · ${truncateText(f.title ?? f.url, 80)} · every ${formatInterval(f.everyMs)} · ${f.items} article(s)\n${f.url}\n${feedHealth(f)}`,
              )
              .join('\n\n'),
            4000,
          ),
    );
    await interaction.editReply({ embeds: [embed] });
    return;
  }

  if (sub === 'remove') {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const feed = await feeds.remove(interaction.options.getString('feed', true), guildId);
    await interaction.editReply({
      content: `No longer following feed ${feed.id} (${feed.url}); its ${feed.items} article(s) stay.`,
      allowedMentions: { parse: [] },
    });
    return;
  }

  // poll
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const one = interaction.options.getString('feed');
  const targets = one ? [await feeds.find(one, guildId)] : await feeds.store.listFeeds(guildId);
  const results = await feeds.pollNow(targets);
  await interaction.editReply({
    content: truncateText(formatPollSummary(results), 1900),
    allowedMentions: { parse: [] },
  });
}
