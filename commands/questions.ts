/** /questions [show] (moderators) — this server's question log, newest first, paged with buttons. */
import {
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import { logCollectionFor, type BotContext } from '../src/bot/context.ts';
import { QUESTION_LIST_FILTERS, type QuestionListFilter } from '../src/bot/custom-ids.ts';
import { buildQuestionsReply, QUESTIONS_PAGE_SIZE } from '../src/bot/views/library.ts';
import { UserError } from '../src/errors.ts';

export default slashCommand({
  data: new SlashCommandBuilder()
    .setName('questions')
    .setDescription('What people asked here, newest first (moderators)')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addStringOption((o) =>
      o
        .setName('show')
        .setDescription('Which questions (default: all)')
        .addChoices(
          { name: 'all', value: 'all' },
          { name: 'not answered', value: 'unanswered' },
          { name: 'replies marked 👎', value: 'downvoted' },
        ),
    ),
  moderatorOnly: 'see the questions people asked',

  async run(interaction, ctx) {
    const shown = interaction.options.getString('show') ?? 'all';
    const filter = QUESTION_LIST_FILTERS.find((f) => f === shown) ?? 'all';
    const reply = await page(ctx, interaction, filter, undefined);
    await interaction.reply({ embeds: reply.embeds, components: reply.components, flags: MessageFlags.Ephemeral });
  },

  async button(interaction, ctx, action) {
    if (action.kind !== 'questions:page')
      throw new UserError('button_invalid', 'That button is no longer supported; please ask again.');
    const reply = await page(ctx, interaction, action.filter, action.beforeId || undefined);
    await interaction.update({ embeds: reply.embeds, components: reply.components });
  },
});

async function page(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  filter: QuestionListFilter,
  beforeId: number | undefined,
) {
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
