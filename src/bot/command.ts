/**
 * The shape of a command module in commands/ (one file per command, its default export):
 *
 *   export default slashCommand({
 *     data: new SlashCommandBuilder().setName('stats')…,   // what Discord shows (registered by deploy-commands)
 *     moderatorOnly: 'see the statistics',                 // or false; refusal: "Only moderators can see the statistics…"
 *     async run(interaction, ctx) { … },                   // a ChatInputCommandInteraction, never anything else
 *     autocomplete, button,                                // optional
 *   });
 *
 * The router (src/bot/router.ts) enforces the declaration: an interaction of another kind than the
 * command's is refused with a message, and a moderator-only command's run, autocomplete and buttons
 * are refused to other members (suggestions come back empty) before the module sees them.
 * Buttons: the module named by a custom id's first part handles it (src/bot/custom-ids.ts).
 */
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from './context.ts';
import type { ButtonAction } from './custom-ids.ts';

export interface CommandData {
  name: string;
  toJSON(): RESTPostAPIApplicationCommandsJSONBody;
}

interface CommandBase {
  data: CommandData;
  /** false, or what only moderators may do, for the refusal: "Only moderators can <this>: …". */
  moderatorOnly: false | string;
  /** Handles the buttons whose custom id starts with `${data.name}:`. */
  button?(interaction: ButtonInteraction, ctx: BotContext, action: ButtonAction): Promise<void>;
}

export interface SlashCommand extends CommandBase {
  kind: 'slash';
  run(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

export interface MessageMenuCommand extends CommandBase {
  kind: 'message-menu';
  run(interaction: MessageContextMenuCommandInteraction, ctx: BotContext): Promise<void>;
}

export type Command = SlashCommand | MessageMenuCommand;
export type CommandKind = Command['kind'];

/** A /command. */
export function slashCommand(command: Omit<SlashCommand, 'kind'>): SlashCommand {
  return { kind: 'slash', ...command };
}

/** An entry of a message's "Apps" menu. */
export function messageMenuCommand(command: Omit<MessageMenuCommand, 'kind'>): MessageMenuCommand {
  return { kind: 'message-menu', ...command };
}
