/**
 * /ingest (moderators) — adds an article to this server's own collection, from exactly one of
 *   url:  a web page (SSRF-guarded fetch, see src/net/guarded-fetch.ts),
 *   file: an attachment (.txt .md .html .json .ndjson .pdf .docx), downloaded from Discord's CDN,
 *   text: pasted text (first line = title), with an optional separate title.
 */
import {
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { slashCommand } from '../src/bot/command.ts';
import type { ArticleFormat, BotContext } from '../src/bot/context.ts';
import { buildIngestReply } from '../src/bot/views/library.ts';
import { UserError } from '../src/errors.ts';
import type { SkippedRecords } from '../src/ingest/parse.ts';
import type { Article } from '../src/types.ts';

const data = new SlashCommandBuilder()
  .setName('ingest')
  .setDescription("Add an article to this server's collection (moderators)")
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addStringOption((o) =>
    o.setName('url').setDescription('Link to the article page (http or https)').setMaxLength(2000),
  )
  .addAttachmentOption((o) =>
    o.setName('file').setDescription('An article file: .txt, .md, .html, .json, .ndjson, .pdf or .docx'),
  )
  .addStringOption((o) =>
    o.setName('text').setDescription('Pasted article text; the first line is the title').setMaxLength(6000),
  )
  .addStringOption((o) =>
    o.setName('title').setDescription('Title for pasted text (otherwise its first line)').setMaxLength(300),
  );

const FILE_FORMATS: Record<string, ArticleFormat> = {
  txt: 'text',
  text: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  pdf: 'pdf',
  docx: 'docx',
};

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

export default slashCommand({ data, moderatorOnly: 'add articles', run: ingest });

async function ingest(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const guildId = interaction.guildId!;
  const url = interaction.options.getString('url')?.trim() || null;
  const file = interaction.options.getAttachment('file');
  const text = interaction.options.getString('text');
  const title = interaction.options.getString('title')?.trim() || null;
  const given = [url, file, text?.trim() ? text : null].filter((x) => x !== null).length;
  if (given !== 1) {
    throw new UserError('bad_options', 'Give exactly one of `url`, `file` or `text`.');
  }
  const maxBytes = ctx.config.ingestMaxBytes;

  // Cheap checks first, so refusals come back at once.
  let fileFormat: ArticleFormat | undefined;
  if (file) {
    const ext = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
    fileFormat = FILE_FORMATS[ext];
    if (!fileFormat) {
      throw new UserError(
        'unsupported_format',
        `${file.name} is not a file type I can read; attach a .txt, .md, .html, .json, .ndjson, .pdf or .docx file.`,
      );
    }
    if (file.size > maxBytes) {
      throw new UserError('input_too_large', `${file.name} is ${mb(file.size)}; the limit is ${mb(maxBytes)}.`);
    }
  }

  await interaction.deferReply({ flags: MessageFlags.Ephemeral });

  let articles: Article[];
  const skipped: SkippedRecords = [];
  if (url) {
    const doc = await ctx.fetchUrl(url);
    articles = await ctx.parse({ name: doc.name, bytes: doc.bytes, format: doc.format, url: doc.url }, { maxBytes });
  } else if (file) {
    const bytes = await ctx.downloadAttachment(file.url, maxBytes);
    const input = { name: file.name, bytes, ...(fileFormat ? { format: fileFormat } : {}) };
    // One bad NDJSON line doesn't cost the good ones: they are stored, the bad one is reported
    // (an attachment with no good line at all is refused by the parser, naming the first bad one).
    articles = await ctx.parse(input, { maxBytes }, skipped);
  } else {
    const body = title ? `${title}\n\n${text!.trim()}` : text!.trim();
    articles = await ctx.parse({ name: 'pasted', bytes: new TextEncoder().encode(body), format: 'text' }, { maxBytes });
  }

  const outcomes = await ctx.engine.ingest(articles, guildId);
  ctx.log.info(
    {
      event: 'ingested',
      guildId,
      via: url ? 'url' : file ? 'file' : 'text',
      articles: outcomes.length,
      skippedLines: skipped.length,
      passages: outcomes.reduce((n, o) => n + o.passages, 0),
    },
    'articles ingested',
  );
  const reply = buildIngestReply(outcomes, skipped);
  await interaction.editReply({ embeds: reply.embeds, components: reply.components });
}
