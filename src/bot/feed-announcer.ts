/**
 * Announces newly indexed feed articles in the channel a feed names: the title and the link,
 * nothing more, and never a mention (a headline saying "@everyone" pings no one).
 */
import { escapeMarkdown, type Client } from 'discord.js';
import type { Logger } from 'pino';
import type { PollResult } from '../ingest/feeds/poll.ts';
import type { FollowedFeed } from '../store/store-api.ts';

/** At most this many lines per poll; the rest are counted. */
const MAX_ANNOUNCED = 10;

export function announcementText(result: PollResult): string | null {
  const fresh = result.indexed.filter((i) => i.status === 'new');
  if (fresh.length === 0) return null;
  const lines = fresh
    .slice(0, MAX_ANNOUNCED)
    .map((i) => `**${escapeMarkdown(i.title.slice(0, 200))}**${i.url ? ` <${i.url}>` : ''}`);
  if (fresh.length > MAX_ANNOUNCED) lines.push(`… and ${fresh.length - MAX_ANNOUNCED} more`);
  return lines.join('\n');
}

export async function announce(client: Client, log: Logger, feed: FollowedFeed, result: PollResult): Promise<void> {
  if (!feed.announceChannel) return;
  const content = announcementText(result);
  if (!content) return;
  try {
    const channel = await client.channels.fetch(feed.announceChannel);
    if (!channel || !channel.isSendable()) throw new Error('not a channel the bot can post in');
    await channel.send({ content, allowedMentions: { parse: [] } });
  } catch (error) {
    // An announcement is a courtesy: the articles are indexed either way.
    log.warn(
      { event: 'feed_announce_failed', feedId: feed.id, channelId: feed.announceChannel, err: error },
      'could not announce new feed articles',
    );
  }
}
