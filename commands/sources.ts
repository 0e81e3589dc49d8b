/** /sources [search] — the articles this server's questions search (library + this server), paged; autocomplete on titles. */
import { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { collectionsFor, type BotContext, type CommandInteraction } from '../src/bot/context.ts';
import { buildSourcesReply, SOURCES_PAGE_SIZE, truncateText } from '../src/format/discord-reply.ts';
import { LIBRARY_COLLECTION } from '../src/types.ts';

export const SEARCH_MAX = 60;

export const data = new SlashCommandBuilder()
  .setName('sources')
  .setDescription('List the articles I answer from in this server')
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
  .addStringOption((o) =>
    o.setName('search').setDescription('Only titles containing this text').setMaxLength(SEARCH_MAX).setAutocomplete(true),
  );

function page(ctx: BotContext, guildId: string | null, search: string, offset: number) {
  const collections = collectionsFor(guildId, ctx.config);
  const total = ctx.engine.countArticles(collections, { search: search || undefined });
  const start = offset >= total ? Math.max(0, Math.floor((total - 1) / SOURCES_PAGE_SIZE) * SOURCES_PAGE_SIZE) : offset;
  const articles = ctx.engine.listArticles(collections, { search: search || undefined, limit: SOURCES_PAGE_SIZE, offset: start });
  return buildSourcesReply(articles, total, start, search, LIBRARY_COLLECTION);
}

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  const search = (interaction.options.getString('search') ?? '').replace(/\s+/g, ' ').trim().slice(0, SEARCH_MAX);
  const reply = page(ctx, interaction.guildId, search, 0);
  await interaction.reply({ embeds: reply.embeds, components: reply.components, flags: MessageFlags.Ephemeral });
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = interaction.options.getFocused().replace(/\s+/g, ' ').trim().slice(0, SEARCH_MAX);
  const articles = ctx.engine.listArticles(collectionsFor(interaction.guildId, ctx.config), { search: typed || undefined, limit: 25 });
  const seen = new Set<string>();
  const choices = [];
  for (const a of articles) {
    const name = truncateText(a.title.replace(/\s+/g, ' ').trim(), 100);
    const value = a.title.replace(/\s+/g, ' ').trim().slice(0, SEARCH_MAX);
    if (seen.has(value)) continue;
    seen.add(value);
    choices.push({ name, value });
  }
  await interaction.respond(choices);
}

/** sources:page:<offset>:<search> */
export async function button(interaction: ButtonInteraction, ctx: BotContext, args: string[]): Promise<void> {
  const [, offsetText = '0', ...searchParts] = args;
  const offset = Math.max(0, Number(offsetText) || 0);
  const reply = page(ctx, interaction.guildId, searchParts.join(':'), offset);
  await interaction.update({ embeds: reply.embeds, components: reply.components });
}
