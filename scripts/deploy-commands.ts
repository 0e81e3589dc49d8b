/**
 * `npm run deploy-commands [-- --guild <id> | --global]`: registers citebot's commands with Discord.
 * Per guild (`--guild <id>` or DISCORD_GUILD_ID) updates at once; global registration can take up to an hour
 * to reach every client. Honours DISCORD_API_URL (e.g. the test emulator).
 */
import dotenv from 'dotenv';
import { REST, Routes } from 'discord.js';
import { pino } from 'pino';
import { loadDeployConfig } from '../src/bot/config.ts';
import { loadCommands } from '../src/bot/loader.ts';

dotenv.config({ quiet: true });

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadDeployConfig(process.env);
  } catch (error) {
    process.stderr.write(`citebot: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const global = process.argv.includes('--global');
  const guildId = global ? null : (argValue('--guild') ?? config.guildId);
  if (guildId !== null && !/^\d{17,20}$/.test(guildId)) {
    process.stderr.write(`citebot: --guild must be a numeric server id, got "${guildId.slice(0, 40)}"\n`);
    process.exit(2);
  }
  const log = pino({ level: 'warn' }, pino.destination(2));
  const { byName, skipped } = await loadCommands(log);
  if (skipped.length)
    process.stderr.write(`warning: skipped ${skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}\n`);
  const body = [...byName.values()].map((c) => c.data.toJSON());
  const rest = new REST({ api: config.apiUrl }).setToken(config.token);
  const route = guildId
    ? Routes.applicationGuildCommands(config.applicationId, guildId)
    : Routes.applicationCommands(config.applicationId);
  try {
    const result = (await rest.put(route, { body })) as { name: string }[];
    process.stdout.write(
      `Registered ${result.length} commands ${guildId ? `in server ${guildId}` : 'globally (may take up to an hour to appear)'}: ${result.map((c) => c.name).join(', ')}\n`,
    );
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).split(config.token).join('[redacted]');
    process.stderr.write(`citebot: registering the commands failed: ${message}\n`);
    process.exit(1);
  }
}

await main();
