/** /ask question:<text> [count:1-5] [private:bool] [since] [until] [source] — the best cited passage, further passages, buttons. */
import { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { answer, checkRate, QUESTION_MAX_CHARS } from '../src/bot/ask-service.ts';
import { collectionsFor, logCollectionFor, type BotContext, type CommandInteraction } from '../src/bot/context.ts';
import { UserError } from '../src/errors.ts';
import { buildContextReply } from '../src/format/discord-reply.ts';
import { addFilterOptions, filterFromOptions, respondWithSources } from '../src/bot/filter-options.ts';

/** Paragraphs shown on each side of a cited one by the Context button. */
const CONTEXT_PARAGRAPHS = 1;

export const data = addFilterOptions(
  new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask a question; I answer with quoted, cited passages from the articles I have')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((o) =>
      o.setName('question').setDescription('Your question, e.g. how many people were detained?').setRequired(true).setMaxLength(QUESTION_MAX_CHARS),
    )
    .addIntegerOption((o) => o.setName('count').setDescription('Further passages to show (1–5)').setMinValue(1).setMaxValue(5))
    .addBooleanOption((o) => o.setName('private').setDescription('Only you see the answer')),
);

export async function execute(interaction: CommandInteraction, ctx: BotContext): Promise<void> {
  if (!(interaction instanceof ChatInputCommandInteraction)) return;
  const question = interaction.options.getString('question', true);
  const count = interaction.options.getInteger('count') ?? ctx.config.askDefaultCount;
  const isPrivate = interaction.options.getBoolean('private') ?? false;
  const filter = filterFromOptions(interaction);
  const limited = checkRate(ctx, interaction.user.id, interaction.guildId);
  if (limited) {
    await interaction.reply({ content: limited, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
  const reply = await answer(ctx, { question, guildId: interaction.guildId, userId: interaction.user.id, count, filter, via: '/ask' });
  await interaction.editReply({ embeds: reply.embeds, components: reply.components });
}

/** The source option is the only one autocompleted. */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  await respondWithSources(interaction, ctx, interaction.options.getFocused());
}

/** ask:more:<questionId>:<offset>:<count>, ask:vote:<questionId>:<up|down> and ask:context:<paragraph>:<article id>. */
export async function button(interaction: ButtonInteraction, ctx: BotContext, args: string[]): Promise<void> {
  const [kind, idText, ...rest] = args;
  if (kind === 'context') {
    // Article ids may hold ':' (ids taken from URLs).
    const view = await ctx.engine.articleParagraphs(collectionsFor(interaction.guildId, ctx.config), rest.join(':'), { paragraph: Number(idText), radius: CONTEXT_PARAGRAPHS });
    if (!view) throw new UserError('not_found', 'That article is no longer in the collection; it may have been removed.');
    const reply = buildContextReply(view);
    await interaction.reply({ embeds: reply.embeds, flags: MessageFlags.Ephemeral });
    return;
  }
  const questionId = Number(idText);
  if (!Number.isSafeInteger(questionId)) throw new UserError('not_found', 'That button is broken; please ask again.');
  if (kind === 'vote') {
    const vote = rest[0] === 'down' ? 'down' : 'up';
    const asked = await ctx.engine.question(questionId);
    if (!asked || asked.collection !== logCollectionFor(interaction.guildId)) {
      throw new UserError('not_found', "I can't find that question any more; it may have been asked in another server.");
    }
    await ctx.engine.recordFeedback(questionId, interaction.user.id, vote);
    ctx.log.info({ event: 'feedback', vote, questionId, guildId: interaction.guildId }, 'feedback recorded');
    await interaction.reply({
      content: vote === 'up' ? 'Thanks! Your 👍 was recorded.' : 'Thanks — your 👎 was recorded; it helps improve the articles I have.',
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  if (kind === 'more') {
    const offset = Number(rest[0]);
    const count = Number(rest[1]);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(count)) {
      throw new UserError('not_found', 'That button is broken; please ask again.');
    }
    const limited = checkRate(ctx, interaction.user.id, interaction.guildId);
    if (limited) {
      await interaction.reply({ content: limited, flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const asked = await ctx.engine.question(questionId);
    if (!asked || asked.collection !== logCollectionFor(interaction.guildId)) {
      throw new UserError('not_found', "I can't find that question any more; please ask it again.");
    }
    const reply = await answer(ctx, {
      question: asked.question,
      guildId: interaction.guildId,
      userId: interaction.user.id,
      count,
      offset,
      questionId,
      ...(asked.filter ? { filter: asked.filter } : {}),
      via: 'more',
    });
    await interaction.editReply({ embeds: reply.embeds, components: reply.components });
    return;
  }
  throw new UserError('not_found', 'That button is no longer supported; please ask again.');
}
