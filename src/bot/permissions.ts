/** Moderator checks, enforced in the handlers (default_member_permissions is only a hint to clients). */
import { PermissionFlagsBits, type BaseInteraction } from 'discord.js';
import { UserError } from '../errors.ts';
import type { BotConfig } from './config.ts';

function memberRoleIds(interaction: BaseInteraction): string[] {
  const member = interaction.member;
  if (!member) return [];
  const roles = member.roles;
  if (Array.isArray(roles)) return roles;
  return [...roles.cache.keys()];
}

/** Manage Server permission, or one of MODERATOR_ROLE_IDS. Never true in DMs. */
export function isModerator(interaction: BaseInteraction, config: Pick<BotConfig, 'moderatorRoleIds'>): boolean {
  if (!interaction.inGuild()) return false;
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return true;
  const roles = memberRoleIds(interaction);
  return config.moderatorRoleIds.some((id) => roles.includes(id));
}

/** Throws a UserError (shown ephemerally) unless the member is a moderator in a server. */
export function requireModerator(
  interaction: BaseInteraction,
  config: Pick<BotConfig, 'moderatorRoleIds'>,
  what: string,
): void {
  if (!interaction.inGuild()) {
    throw new UserError('permission_denied', `${what} only works in a server, not in direct messages.`);
  }
  if (!isModerator(interaction, config)) {
    throw new UserError(
      'permission_denied',
      `Only moderators can ${what}: you need the Manage Server permission${config.moderatorRoleIds.length ? ' or a moderator role' : ''}.`,
    );
  }
}
