/**
 * /sources [search] [since] [until] [source] — the articles this server's questions search
 * (library + this server), paged, each with the followed feed it came from, and those feeds'
 * health; autocomplete on titles and on sources.
 */
import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import { collectionsFor, type BotContext } from '../src/bot/context.ts';
import { addFilterOptions, filterFromOptions, respondWithSources } from '../src/bot/filter-options.ts';
import { enforceRate } from '../src/bot/rate-limit.ts';
import { truncateText } from '../src/bot/views/format.ts';
import { buildSourcesReply, SOURCES_PAGE_SIZE, type SourcesQuery } from '../src/bot/views/library.ts';
import type { ArticleSummary } from '../src/engine-api.ts';
import { UserError } from '../src/errors.ts';
import { articleFeeds, feedsOfCollections } from '../src/ingest/feeds/provenance.ts';
import { parseArticleFilter } from '../src/search/filter.ts';
import { LIBRARY_COLLECTION } from '../src/types.ts';

export const SEARCH_MAX = 60;

export default slashCommand({
  data: addFilterOptions(
    new SlashCommandBuilder()
      .setName('sources')
      .setDescription('List the articles I answer from in this server')
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .addStringOption((o) =>
        o
          .setName('search')
          .setDescription('Only titles containing this text')
          .setMaxLength(SEARCH_MAX)
          .setAutocomplete(true),
      ),
  ),
  moderatorOnly: false,

  async run(interaction, ctx) {
    const search = tidy(interaction.options.getString('search') ?? '', SEARCH_MAX);
    const filter = filterFromOptions(interaction);
    enforceRate(ctx.limits, ctx.log, 'browse', interaction.user.id, interaction.guildId);
    const reply = await page(ctx, interaction.guildId, { search, ...(filter ? { filter } : {}) }, 0);
    await interaction.reply({ embeds: reply.embeds, components: reply.components, flags: MessageFlags.Ephemeral });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'source') return respondWithSources(interaction, ctx, focused.value);
    const typed = tidy(focused.value, SEARCH_MAX);
    const articles = await ctx.engine.listArticles(collectionsFor(interaction.guildId, ctx.config), {
      search: typed || undefined,
      limit: 25,
    });
    const seen = new Set<string>();
    const choices = [];
    for (const a of articles) {
      const name = truncateText(a.title.replace(/\s+/g, ' ').trim(), 100);
      const value = tidy(a.title, SEARCH_MAX);
      if (seen.has(value)) continue;
      seen.add(value);
      choices.push({ name, value });
    }
    await interaction.respond(choices);
  },

  async button(interaction, ctx, action) {
    if (action.kind !== 'sources:list')
      throw new UserError('button_invalid', 'That button is no longer supported; please ask again.');
    enforceRate(ctx.limits, ctx.log, 'browse', interaction.user.id, interaction.guildId);
    const filter = parseArticleFilter(action.filter);
    const reply = await page(
      ctx,
      interaction.guildId,
      { search: action.search, ...(filter ? { filter } : {}) },
      action.offset,
    );
    await interaction.update({ embeds: reply.embeds, components: reply.components });
  },
});

const tidy = (text: string, max: number) => text.replace(/\s+/g, ' ').trim().slice(0, max);

async function page(ctx: BotContext, guildId: string | null, query: SourcesQuery, offset: number) {
  const collections = collectionsFor(guildId, ctx.config);
  const options = { search: query.search || undefined, filter: query.filter };
  const total = await ctx.engine.countArticles(collections, options);
  const start = offset >= total ? Math.max(0, Math.floor((total - 1) / SOURCES_PAGE_SIZE) * SOURCES_PAGE_SIZE) : offset;
  const articles = await ctx.engine.listArticles(collections, { ...options, limit: SOURCES_PAGE_SIZE, offset: start });
  // Which feed each article came from, and the feeds' health, when feeds are on.
  const fed = ctx.feeds ? await articleFeeds(ctx.feeds.store, articles) : null;
  const feeds =
    ctx.feeds && fed
      ? { of: (a: ArticleSummary) => fed.of(a), feeds: await feedsOfCollections(ctx.feeds.store, collections) }
      : undefined;
  return buildSourcesReply(articles, total, start, query, LIBRARY_COLLECTION, feeds);
}
