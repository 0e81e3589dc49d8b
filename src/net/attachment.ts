/**
 * Discord attachments: only fetched from Discord's attachment hosts (or the configured Discord API's
 * own host: a self-hosted gateway or the test emulator), never through redirects, within a size and
 * time limit. The bot has no reason to fetch anything else from an attachment URL.
 */
import { UserError } from '../errors.ts';
import { formatSize } from './guarded-fetch.ts';

/** Where Discord serves attachments. */
export const DISCORD_ATTACHMENT_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];

/** Checks an attachment URL from an interaction: https on Discord's hosts, or the API's own host and protocol. */
export function checkAttachmentUrl(url: string, apiUrl: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('url_refused', "that attachment's address isn't a valid URL; try uploading it again");
  }
  const api = new URL(apiUrl);
  const fromDiscord = parsed.protocol === 'https:' && DISCORD_ATTACHMENT_HOSTS.includes(parsed.hostname);
  const fromApi = parsed.protocol === api.protocol && parsed.host === api.host;
  if (!fromDiscord && !fromApi) {
    throw new UserError(
      'url_refused',
      `attachments are only downloaded from Discord (${DISCORD_ATTACHMENT_HOSTS.join(', ')}), not from ${parsed.host || url.slice(0, 60)}`,
    );
  }
  return parsed;
}

/** Downloads a Discord attachment (its URL checked by checkAttachmentUrl) with a size and time limit. */
export async function downloadAttachment(
  url: string,
  maxBytes: number,
  options: { timeoutMs?: number; apiUrl: string },
): Promise<Uint8Array> {
  const checked = checkAttachmentUrl(url, options.apiUrl);
  // fetch's signal covers the body too: reading a stalled body rejects when it fires.
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let res: Response;
  try {
    res = await fetch(checked, { signal, redirect: 'error' });
  } catch (error) {
    throw new UserError('url_unreachable', "couldn't download the attachment from Discord; try again", {
      cause: error,
    });
  }
  if (!res.ok || !res.body) {
    throw new UserError(
      'url_bad_response',
      `Discord answered ${res.status} when downloading the attachment; try uploading it again`,
    );
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel();
    throw new UserError(
      'input_too_large',
      `the attachment is ${formatSize(declared)}, larger than the ${formatSize(maxBytes)} limit`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw new UserError('input_too_large', `the attachment is larger than the ${formatSize(maxBytes)} limit`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      'url_unreachable',
      "couldn't download the attachment from Discord: the download broke off or took too long; try again",
      { cause: error },
    );
  }
  return new Uint8Array(Buffer.concat(chunks));
}
