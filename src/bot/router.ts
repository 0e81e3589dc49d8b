/**
 * Interaction routing: finds the command an interaction is for, checks that it is of the kind the
 * command declares, enforces moderator-only commands (their run, buttons and suggestions), caps
 * suggestions by the look-up rate, and runs the handler. Refusals are thrown as UserErrors for the
 * error boundary to show; nothing is dropped silently.
 */
import type { AutocompleteInteraction, ButtonInteraction, Interaction } from 'discord.js';
import { UserError } from '../errors.ts';
import type { Command, CommandKind } from './command.ts';
import type { BotContext } from './context.ts';
import { commandOfAction, decodeCustomId } from './custom-ids.ts';
import type { LoadedCommands } from './loader.ts';
import { isModerator, requireModerator } from './permissions.ts';
import { enforceRate } from './rate-limit.ts';

const KIND_WORD: Record<CommandKind, string> = { slash: 'slash command', 'message-menu': 'message menu entry' };

function commandFor(commands: LoadedCommands, name: string, kind: CommandKind): Command {
  const command = commands.byName.get(name);
  if (!command)
    throw new UserError('unknown_command', `I don't know the command ${name}; the command list may be out of date.`);
  if (command.kind !== kind) {
    throw new UserError(
      'unknown_command',
      `${name} is not a ${KIND_WORD[kind]} of mine; the command list may be out of date.`,
    );
  }
  return command;
}

/** A short name for logs: "/ask", "menu:Ask citebot", "button:ask:more". */
export function describeInteraction(interaction: Interaction): string {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) return `/${interaction.commandName}`;
  if (interaction.isMessageContextMenuCommand()) return `menu:${interaction.commandName}`;
  if (interaction.isButton()) return `button:${interaction.customId.split(':').slice(0, 2).join(':')}`;
  return `interaction:${interaction.type}`;
}

export async function routeInteraction(
  interaction: Interaction,
  commands: LoadedCommands,
  ctx: BotContext,
): Promise<void> {
  if (interaction.isAutocomplete()) return suggest(interaction, commands, ctx);
  if (interaction.isChatInputCommand()) {
    const command = commandFor(commands, interaction.commandName, 'slash');
    if (command.moderatorOnly) requireModerator(interaction, ctx.config, command.moderatorOnly);
    if (command.kind === 'slash') return command.run(interaction, ctx);
  } else if (interaction.isMessageContextMenuCommand()) {
    const command = commandFor(commands, interaction.commandName, 'message-menu');
    if (command.moderatorOnly) requireModerator(interaction, ctx.config, command.moderatorOnly);
    if (command.kind === 'message-menu') return command.run(interaction, ctx);
  } else if (interaction.isButton()) {
    return press(interaction, commands, ctx);
  }
  // Select menus, modals and user menus: citebot never posts or registers them.
  throw new UserError(
    'unknown_command',
    "I don't handle that kind of interaction; the command list may be out of date.",
  );
}

async function press(interaction: ButtonInteraction, commands: LoadedCommands, ctx: BotContext): Promise<void> {
  const action = decodeCustomId(interaction.customId);
  const command = commands.byName.get(commandOfAction(action));
  if (!command?.button) throw new UserError('button_invalid', 'That button is no longer supported; please ask again.');
  if (command.moderatorOnly) requireModerator(interaction, ctx.config, command.moderatorOnly);
  return command.button(interaction, ctx, action);
}

async function suggest(interaction: AutocompleteInteraction, commands: LoadedCommands, ctx: BotContext): Promise<void> {
  const command = commands.byName.get(interaction.commandName);
  const allowed =
    command?.kind === 'slash' &&
    command.autocomplete &&
    (!command.moderatorOnly || isModerator(interaction, ctx.config));
  // Suggestions for a command the member may not run would leak what only moderators see.
  if (!allowed) return interaction.respond([]);
  // Every keystroke can ask for suggestions: they count against the look-up cap.
  enforceRate(ctx.limits, ctx.log, 'browse', interaction.user.id, interaction.guildId);
  return command.autocomplete!(interaction, ctx);
}
