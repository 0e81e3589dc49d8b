/** Message context menu "Ask citebot": answers the selected message's text as a question. */
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from 'discord.js';
import { interactionTarget, runAskFlow } from '../src/bot/ask-flow.ts';
import { QUESTION_MAX_CHARS } from '../src/bot/ask-service.ts';
import { messageMenuCommand } from '../src/bot/command.ts';
import { truncateText } from '../src/bot/views/format.ts';
import { UserError } from '../src/errors.ts';

export default messageMenuCommand({
  data: new ContextMenuCommandBuilder()
    .setName('Ask citebot')
    .setType(ApplicationCommandType.Message)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),
  moderatorOnly: false,

  async run(interaction, ctx) {
    const text = interaction.targetMessage.content.trim();
    if (!text) throw new UserError('empty_question', 'That message has no text I can ask about.');
    const request = {
      question: truncateText(text.replace(/\s+/g, ' '), QUESTION_MAX_CHARS),
      guildId: interaction.guildId,
      userId: interaction.user.id,
      count: ctx.config.askDefaultCount,
      via: 'context-menu',
    };
    await runAskFlow(ctx, interactionTarget(interaction, { ephemeral: false }), request);
  },
});
