/**
 * /sources [search] [since] [until] [source] — the articles this server's questions search
 * (library + this server), paged; autocomplete on titles and on sources.
 */
import { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { collectionsFor, type BotContext, type CommandInteraction } from '../src/bot/context.ts';
import { buildSourcesReply, parseSourcesCustomId, SOURCES_PAGE_SIZE, truncateText, type SourcesQuery } from '../src/format/discord-reply.ts';
import { parseArticleFilter } from '../src/search/filter.ts';
import { addFilterOptions, filterFromOptions, respondWithSources } from '../src/bot/filter-options.ts';
import { LIBRARY_COLLECTION } from '../src/types.ts';

export const SEARCH_MAX = 60;

export const data = addFilterOptions(
  new SlashCommandBuilder()
    .setName('sources')
    .setDescription('List the articles I answer from in this server')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((o) => o.setName('search').setDescription('Only titles containing this text').setMaxLength(SEARCH_MAX).setAutocomplete(true)),
);

async function page(ctx: BotContext, guildId: string | null, query: SourcesQuery, offset: number) {
  const collections = collectionsFor(guildId, ctx.config);
  const options = { search: query.search || undefined, filter: query.filter };
  const total = await ctx.engine.countArticles(collections, options);
  const start = offset >= total ? Math.max(0, Math.floor((total - 1) / SOURCES_PAGE_SIZE) * SOURCES_PAGE_SIZE) : offset;
  const articles = await ctx.engine.listArticles(collections, { ...options, limit: SOURCES_PAGE_SIZE, offset: start });
  return buildSourcesReply(articles, total, start, query, LIBRARY_COLLECTION);
}

const tidy = (text: string, max: number) => text.replace(/\s+/g, ' ').trim().slice(0, max);

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  const search = tidy(interaction.options.getString('search') ?? '', SEARCH_MAX);
  const filter = filterFromOptions(interaction);
  const reply = await page(ctx, interaction.guildId, { search, ...(filter ? { filter } : {}) }, 0);
  await interaction.reply({ embeds: reply.embeds, components: reply.components, flags: MessageFlags.Ephemeral });
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (focused.name === 'source') return respondWithSources(interaction, ctx, focused.value);
  const typed = tidy(focused.value, SEARCH_MAX);
  const articles = await ctx.engine.listArticles(collectionsFor(interaction.guildId, ctx.config), { search: typed || undefined, limit: 25 });
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
}

/** sources:list:<offset>:<since>:<until>:<source length>:<source><search> (and the older sources:page:<offset>:<search>). */
export async function button(interaction: ButtonInteraction, ctx: BotContext, args: string[]): Promise<void> {
  const { offset, search, filter: raw } = parseSourcesCustomId(args);
  const filter = parseArticleFilter(raw);
  const reply = await page(ctx, interaction.guildId, { search, ...(filter ? { filter } : {}) }, offset);
  await interaction.update({ embeds: reply.embeds, components: reply.components });
}
