/** /ask question:<text> [count:1-5] [private:bool] [since] [until] [source] — the best cited passage, further passages, buttons. */
import { InteractionContextType, MessageFlags, SlashCommandBuilder, type ButtonInteraction } from 'discord.js';
import { interactionTarget, runAskFlow } from '../src/bot/ask-flow.ts';
import { QUESTION_MAX_CHARS } from '../src/bot/ask-service.ts';
import { slashCommand } from '../src/bot/command.ts';
import { collectionsFor, logCollectionFor, type BotContext } from '../src/bot/context.ts';
import type { ButtonAction } from '../src/bot/custom-ids.ts';
import { addFilterOptions, filterFromOptions, respondWithSources } from '../src/bot/filter-options.ts';
import { enforceRate } from '../src/bot/rate-limit.ts';
import { buildContextReply } from '../src/bot/views/answer.ts';
import { UserError } from '../src/errors.ts';

/** Paragraphs shown on each side of a cited one by the Context button. */
const CONTEXT_PARAGRAPHS = 1;

export default slashCommand({
  data: addFilterOptions(
    new SlashCommandBuilder()
      .setName('ask')
      .setDescription('Ask a question; I answer with quoted, cited passages from the articles I have')
      .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
      .addStringOption((o) =>
        o
          .setName('question')
          .setDescription('Your question, e.g. how many people were detained?')
          .setRequired(true)
          .setMaxLength(QUESTION_MAX_CHARS),
      )
      .addIntegerOption((o) =>
        o.setName('count').setDescription('Further passages to show (1–5)').setMinValue(1).setMaxValue(5),
      )
      .addBooleanOption((o) => o.setName('private').setDescription('Only you see the answer')),
  ),
  moderatorOnly: false,

  async run(interaction, ctx) {
    const request = {
      question: interaction.options.getString('question', true),
      count: interaction.options.getInteger('count') ?? ctx.config.askDefaultCount,
      filter: filterFromOptions(interaction),
      guildId: interaction.guildId,
      userId: interaction.user.id,
      via: '/ask',
    };
    const ephemeral = interaction.options.getBoolean('private') ?? false;
    await runAskFlow(ctx, interactionTarget(interaction, { ephemeral }), request);
  },

  /** The source option is the only one autocompleted. */
  async autocomplete(interaction, ctx) {
    await respondWithSources(interaction, ctx, interaction.options.getFocused());
  },

  async button(interaction, ctx, action) {
    if (action.kind === 'ask:more') return morePassages(interaction, ctx, action);
    if (action.kind === 'ask:vote') return vote(interaction, ctx, action);
    if (action.kind === 'ask:context') return showContext(interaction, ctx, action);
    throw new UserError('button_invalid', 'That button is no longer supported; please ask again.');
  },
});

/** The question a button of this server's answer was about; a button pressed in another server finds nothing. */
async function questionHere(ctx: BotContext, interaction: ButtonInteraction, questionId: number, missing: string) {
  const asked = await ctx.engine.question(questionId);
  if (!asked || asked.collection !== logCollectionFor(interaction.guildId))
    throw new UserError('question_missing', missing);
  return asked;
}

async function morePassages(
  interaction: ButtonInteraction,
  ctx: BotContext,
  action: Extract<ButtonAction, { kind: 'ask:more' }>,
): Promise<void> {
  const asked = await questionHere(
    ctx,
    interaction,
    action.questionId,
    "I can't find that question any more; please ask it again.",
  );
  const request = {
    question: asked.question,
    guildId: interaction.guildId,
    userId: interaction.user.id,
    count: action.count,
    offset: action.offset,
    questionId: action.questionId,
    ...(asked.filter ? { filter: asked.filter } : {}),
    via: 'more',
  };
  await runAskFlow(ctx, interactionTarget(interaction, { ephemeral: true }), request);
}

async function vote(
  interaction: ButtonInteraction,
  ctx: BotContext,
  action: Extract<ButtonAction, { kind: 'ask:vote' }>,
): Promise<void> {
  await questionHere(
    ctx,
    interaction,
    action.questionId,
    "I can't find that question any more; it may have been asked in another server.",
  );
  await ctx.engine.recordFeedback(action.questionId, interaction.user.id, action.vote);
  ctx.log.info(
    { event: 'feedback', vote: action.vote, questionId: action.questionId, guildId: interaction.guildId },
    'feedback recorded',
  );
  await interaction.reply({
    content:
      action.vote === 'up'
        ? 'Thanks! Your 👍 was recorded.'
        : 'Thanks — your 👎 was recorded; it helps improve the articles I have.',
    flags: MessageFlags.Ephemeral,
  });
}

async function showContext(
  interaction: ButtonInteraction,
  ctx: BotContext,
  action: Extract<ButtonAction, { kind: 'ask:context' }>,
): Promise<void> {
  enforceRate(ctx.limits, ctx.log, 'browse', interaction.user.id, interaction.guildId);
  const collections = collectionsFor(interaction.guildId, ctx.config);
  const view = await ctx.engine.articleParagraphs(collections, action.articleId, {
    paragraph: action.paragraph,
    radius: CONTEXT_PARAGRAPHS,
  });
  if (!view)
    throw new UserError('article_missing', 'That article is no longer in the collection; it may have been removed.');
  const reply = buildContextReply(view);
  await interaction.reply({ embeds: reply.embeds, flags: MessageFlags.Ephemeral });
}
