/** /questions [show] (moderators) — this server's question log, newest first, paged with buttons. */
import { ButtonInteraction, ChatInputCommandInteraction, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { logCollectionFor, type BotContext, type CommandInteraction } from '../src/bot/context.ts';
import { requireModerator } from '../src/bot/permissions.ts';
import { buildQuestionsReply, QUESTIONS_PAGE_SIZE, type QuestionListFilter } from '../src/format/discord-reply.ts';

const FILTERS: readonly QuestionListFilter[] = ['all', 'unanswered', 'downvoted'];

export const data = new SlashCommandBuilder()
  .setName('questions')
  .setDescription('What people asked here, newest first (moderators)')
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addStringOption((o) =>
    o
      .setName('show')
      .setDescription('Which questions (default: all)')
      .addChoices({ name: 'all', value: 'all' }, { name: 'not answered', value: 'unanswered' }, { name: 'replies marked 👎', value: 'downvoted' }),
  );

async function page(ctx: BotContext, interaction: ChatInputCommandInteraction | ButtonInteraction, filter: QuestionListFilter, beforeId: number | undefined) {
  // One more than a page tells whether an older page exists.
  const found = await ctx.engine.questions(logCollectionFor(interaction.guildId), {
    unanswered: filter === 'unanswered',
    downvoted: filter === 'downvoted',
    beforeId,
    limit: QUESTIONS_PAGE_SIZE + 1,
  });
  return buildQuestionsReply(found.slice(0, QUESTIONS_PAGE_SIZE), {
    filter,
    scope: interaction.guild?.name ?? 'this server',
    hasOlder: found.length > QUESTIONS_PAGE_SIZE,
    fromNewest: beforeId === undefined,
  });
}

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  requireModerator(interaction, ctx.config, 'see the questions people asked');
  const shown = interaction.options.getString('show') ?? 'all';
  const filter = FILTERS.find((f) => f === shown) ?? 'all';
  const reply = await page(ctx, interaction, filter, undefined);
  await interaction.reply({ embeds: reply.embeds, components: reply.components, flags: MessageFlags.Ephemeral });
}

/** questions:page:<filter>:<before question id, 0 for the newest> */
export async function button(interaction: ButtonInteraction, ctx: BotContext, args: string[]): Promise<void> {
  requireModerator(interaction, ctx.config, 'see the questions people asked');
  const [, filterText = 'all', beforeText = '0'] = args;
  const filter = FILTERS.find((f) => f === filterText) ?? 'all';
  const before = Number(beforeText);
  const reply = await page(ctx, interaction, filter, Number.isSafeInteger(before) && before > 0 ? before : undefined);
  await interaction.update({ embeds: reply.embeds, components: reply.components });
}
