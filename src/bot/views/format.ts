/**
 * What every Discord view shares: Discord's limits, colours, and text that fits them (links kept
 * whole, markdown escaped, cuts at sentence or word boundaries). The views build plain Discord API
 * JSON (embeds + components) with no discord.js runtime import, so they are unit-tested with exact strings.
 *
 * Discord limits honoured: title 256, description 4096, field name 256, field value 1024,
 * 25 fields, footer 2048, 6000 characters per message in all embeds, content 2000,
 * 5 buttons per row, custom_id 100, link URL 512.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import { sentenceEnds } from '../../text/sentences.ts';

export const LIMITS = {
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embedTotal: 6000,
  content: 2000,
  linkUrl: 512,
} as const;

export const COLOR = { answer: 0x2b6cb0, closest: 0xb7791f, none: 0x718096, info: 0x4a5568, ok: 0x2f855a } as const;

export interface DiscordReply {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
}

// ---------------------------------------------------------------------------
// Text: links, escaping, truncation
// ---------------------------------------------------------------------------

const LINK_PATTERN = /\[[^\]\n]*\]\([^)\s]*\)|<https?:\/\/[^>\s]+>|https?:\/\/[^\s<>()]+/g;

/** [start, end) ranges of markdown links and bare URLs: never cut or escape inside them. */
export function linkSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(LINK_PATTERN)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

function insideSpan(pos: number, spans: [number, number][]): [number, number] | undefined {
  return spans.find(([s, e]) => s < pos && pos < e);
}

/**
 * Cuts `text` to at most `max` characters: at the last sentence boundary that fits (then " …"),
 * else at the last word boundary (then "…"); never inside a word, a markdown link or a URL.
 * A sentence boundary is preferred unless it would keep less than 40 % of the room.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  const spans = linkSpans(text);
  const sentenceRoom = max - 2; // " …"
  const sentence = sentenceEnds(text)
    .filter((p) => p <= sentenceRoom && !insideSpan(p, spans))
    .at(-1);
  if (sentence !== undefined && sentence >= sentenceRoom * 0.4) return `${text.slice(0, sentence)} …`;

  const wordRoom = max - 1; // "…"
  let cut = -1;
  for (let i = Math.min(wordRoom, text.length - 1); i > 0; i--) {
    if (/\s/.test(text[i]!) && !/\s/.test(text[i - 1]!)) {
      const span = insideSpan(i, spans);
      if (span) {
        i = span[0] + 1; // jump before the link, keep looking
        continue;
      }
      cut = i;
      break;
    }
  }
  if (cut > 0) {
    const kept = text.slice(0, cut).replace(/[\s,;:–—-]+$/, '');
    if (sentence !== undefined && kept.length <= sentence) return `${text.slice(0, sentence)} …`;
    return `${kept}…`;
  }
  if (sentence !== undefined) return `${text.slice(0, sentence)} …`;
  // One unbroken token longer than the room: cut it, but never between surrogate halves.
  let hard = wordRoom;
  if (/[\uD800-\uDBFF]/.test(text[hard - 1] ?? '')) hard -= 1;
  return `${text.slice(0, hard)}…`;
}

/** Escapes Discord markdown outside links and bare URLs. */
export function escapeMarkdown(text: string): string {
  const spans = linkSpans(text);
  let out = '';
  let last = 0;
  const escapePlain = (s: string, atLineStart: boolean): string =>
    s.replace(/[\\*_~`|]/g, (c) => `\\${c}`).replace(atLineStart ? /(^|\n)([>#-])/g : /(\n)([>#-])/g, '$1\\$2');
  for (const [s, e] of spans) {
    out += escapePlain(text.slice(last, s), last === 0) + text.slice(s, e);
    last = e;
  }
  return out + escapePlain(text.slice(last), last === 0);
}

export function escapeLinkText(text: string): string {
  return escapeMarkdown(text).replace(/[[\]]/g, (c) => `\\${c}`);
}

/** A URL safe to put in a markdown link or a link button, or null. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return null;
  }
}

/**
 * The passage with its answering sentence in bold, escaped, at most `max` characters.
 * When the highlight lies beyond what fits, the text starts at the highlight ("… ").
 */
export function renderPassage(text: string, highlight: string | null, max: number): string {
  const raw = text.trim();
  let hs = -1;
  let he = -1;
  const h = highlight?.trim();
  if (h) {
    hs = raw.indexOf(h);
    if (hs >= 0) he = hs + h.length;
  }
  const render = (slice: string, offset: number, prefix: string): string => {
    const s = Math.max(0, hs - offset);
    const e = Math.min(slice.length, he - offset);
    if (hs < 0 || e <= s) return prefix + escapeMarkdown(slice);
    let bs = s;
    let be = e;
    while (bs < be && /\s/.test(slice[bs]!)) bs++;
    while (be > bs && /\s/.test(slice[be - 1]!)) be--;
    // Keep a trailing " …" of the truncation outside the bold part.
    const core = slice.slice(bs, be).replace(/\s*…$/, '');
    const tail = slice.slice(bs + core.length, be);
    if (!core) return prefix + escapeMarkdown(slice);
    return (
      prefix +
      escapeMarkdown(slice.slice(0, bs)) +
      `**${escapeMarkdown(core)}**` +
      escapeMarkdown(tail) +
      escapeMarkdown(slice.slice(be))
    );
  };
  const whole = render(raw, 0, '');
  if (whole.length <= max) return whole;

  let start = 0;
  let prefix = '';
  if (hs > 0 && he > max * 0.8) {
    // Start at a sentence so the highlight ends about two-thirds of the way in, keeping some context.
    const ends = sentenceEnds(raw).filter((p) => p <= hs && he - p <= max * 0.66);
    start = ends[0] ?? hs;
    while (start < raw.length && /\s/.test(raw[start]!)) start++;
    prefix = '… ';
  }
  const rest = raw.slice(start);
  let budget = max - prefix.length;
  for (let i = 0; i < 20 && budget > 0; i++) {
    const cut = truncateText(rest, budget);
    const out = render(cut, start, prefix);
    if (out.length <= max) return out;
    budget -= Math.max(1, out.length - max);
  }
  return truncateText(escapeMarkdown(rest), max);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The characters Discord counts against an embed's 6,000. */
export function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}
