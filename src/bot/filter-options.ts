/**
 * The since / until / source options that /ask and /sources both take: declared once, read
 * once, and the source option autocompleted from the sources of the articles a server searches.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction, SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { truncateText } from './views/format.ts';
import { parseArticleFilter, SOURCE_FILTER_MAX_CHARS } from '../search/filter.ts';
import type { ArticleFilter } from '../types.ts';
import { collectionsFor, type BotContext } from './context.ts';

/** "2022-01-10" */
const DATE_MAX_CHARS = 10;

export function addFilterOptions(builder: SlashCommandOptionsOnlyBuilder): SlashCommandOptionsOnlyBuilder {
  return builder
    .addStringOption((o) =>
      o
        .setName('since')
        .setDescription('Only articles dated on or after this day: 2022-01-10, 2022-01 or 2022')
        .setMaxLength(DATE_MAX_CHARS),
    )
    .addStringOption((o) =>
      o
        .setName('until')
        .setDescription('Only articles dated on or before this day: 2022-01-10, 2022-01 or 2022')
        .setMaxLength(DATE_MAX_CHARS),
    )
    .addStringOption((o) =>
      o
        .setName('source')
        .setDescription('Only articles from this source (part of its name is enough)')
        .setMaxLength(SOURCE_FILTER_MAX_CHARS)
        .setAutocomplete(true),
    );
}

/** The checked filter of the options; throws UserError('bad_filter') before anything is deferred. */
export function filterFromOptions(interaction: ChatInputCommandInteraction): ArticleFilter | undefined {
  return parseArticleFilter({
    since: interaction.options.getString('since'),
    until: interaction.options.getString('until'),
    source: interaction.options.getString('source'),
  });
}

/** Suggests the sources of the articles this server's questions search, those with most articles first. */
export async function respondWithSources(
  interaction: AutocompleteInteraction,
  ctx: BotContext,
  typed: string,
): Promise<void> {
  const search = typed.replace(/\s+/g, ' ').trim().slice(0, SOURCE_FILTER_MAX_CHARS);
  const sources = await ctx.engine.listSources(collectionsFor(interaction.guildId, ctx.config), {
    search: search || undefined,
    limit: 25,
  });
  await interaction.respond(
    sources.map(({ source, articles }) => ({
      name: truncateText(`${source} (${articles})`, 100),
      value: source.slice(0, SOURCE_FILTER_MAX_CHARS),
    })),
  );
}
