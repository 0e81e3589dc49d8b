/**
 * Every failure someone can act on is a CitebotError with a stable `code` that means one thing.
 *
 * Who reads the message depends on the code's AUDIENCE:
 * - `member`: the failure is about what the asker gave (a file, a date, a URL, a button) or about
 *   asking too often; the message is written for them and a Discord member may see it verbatim.
 * - `operator`: the failure is about the installation (models, store, settings, files on disk);
 *   the message may name files and commands to run. It goes to the logs and the CLI only; Discord
 *   members see a member-safe line chosen by the code (src/bot/member-text.ts).
 *
 * Messages carry no "citebot: " prefix: the CLI adds it when it prints to a terminal.
 */
export const ERROR_CODES = {
  // ------------------------------------------------------------- what the asker gave (member)
  unsupported_format: {
    audience: 'member',
    means: 'the input is of a type citebot cannot read (a PDF, an image, a .docx)',
  },
  binary_input: { audience: 'member', means: 'the input is binary data, not text' },
  invalid_utf8: { audience: 'member', means: 'the text is not valid UTF-8' },
  input_too_large: { audience: 'member', means: 'the input (file, page, question, passages) is over a size limit' },
  empty_article: { audience: 'member', means: 'an article has no text after reading it' },
  parse_failed: {
    audience: 'member',
    means: "an article's content is malformed: bad JSON or YAML, no title, a field of the wrong type",
  },
  document_encrypted: { audience: 'member', means: 'a PDF or Word document is password-protected' },
  document_no_text: { audience: 'member', means: 'a document has no text layer (a scanned PDF)' },
  document_corrupt: { audience: 'member', means: 'a PDF or Word document is damaged' },
  duplicate_id: { audience: 'member', means: 'two articles of one input have the same id' },
  parser_stopped: {
    audience: 'member',
    means: 'reading an input was stopped: too slow, the parser crashed, or the process is shutting down',
  },
  file_unreadable: { audience: 'member', means: 'a file given as input (an article, a URL list) cannot be read' },
  empty_question: { audience: 'member', means: 'the question (or the message asked about) has no words' },
  feed_invalid: { audience: 'member', means: 'a URL given as a feed or sitemap is not one citebot can read' },
  feed_missing: { audience: 'member', means: 'the followed feed asked for is not in the list' },
  feeds_disabled: { audience: 'member', means: 'this bot runs without feeds' },
  robots_disallowed: { audience: 'member', means: "the site's robots.txt does not allow citebot to fetch the page" },
  bad_filter: { audience: 'member', means: 'a since / until / source filter is not valid' },
  bad_options: {
    audience: 'member',
    means: "a command's options do not fit together (e.g. /ingest needs exactly one source)",
  },
  article_missing: { audience: 'member', means: 'the article asked for is not in the collections searched' },
  paragraph_out_of_range: { audience: 'member', means: 'the paragraph asked for is not in the article' },
  question_missing: {
    audience: 'member',
    means: 'the logged question asked for is not in the log (or belongs to another server)',
  },
  unknown_command: { audience: 'member', means: 'Discord sent a command this bot does not have, or of the wrong kind' },
  button_invalid: { audience: 'member', means: 'a button id citebot never wrote (broken, or from an older version)' },
  url_refused: {
    audience: 'member',
    means: 'a URL citebot will not fetch (not http(s), a private address, not Discord for attachments)',
  },
  url_unreachable: { audience: 'member', means: 'a URL could not be fetched (DNS, connection, time-out)' },
  url_bad_response: { audience: 'member', means: 'a URL answered with an error status or too many redirects' },
  permission_denied: { audience: 'member', means: 'a Discord member asked for a moderator-only command' },
  rate_limited: { audience: 'member', means: 'the member or server asked too often' },
  timed_out: { audience: 'member', means: 'a question was not answered in time (the bot is busy)' },
  // ------------------------------------------------------------- the installation (operator)
  config_invalid: { audience: 'operator', means: 'a setting (environment or citebot.json) is missing or invalid' },
  bad_collection: { audience: 'operator', means: 'a collection id (e.g. --guild) is not valid' },
  eval_set_invalid: { audience: 'operator', means: 'an evaluation set cannot be read or does not fit its articles' },
  already_exists: { audience: 'operator', means: 'a file to be written exists already (backup, export)' },
  folder_missing: { audience: 'operator', means: 'a folder to write into does not exist' },
  folder_not_writable: { audience: 'operator', means: 'a folder cannot be written (file-system permissions)' },
  store_missing: { audience: 'operator', means: 'there is no store in DATA_DIR' },
  backup_missing: { audience: 'operator', means: 'the backup file to restore from does not exist' },
  backup_invalid: { audience: 'operator', means: 'the backup file is not a citebot store' },
  model_missing: { audience: 'operator', means: 'a model (embedding, re-ranker, word vectors) is not available' },
  model_invalid: { audience: 'operator', means: 'a model is there but cannot be used' },
  index_model_mismatch: {
    audience: 'operator',
    means: 'the index was built with another model than the one configured',
  },
  store_locked: { audience: 'operator', means: 'another process holds the store' },
  store_corrupt: { audience: 'operator', means: 'the store file is damaged' },
  store_schema_newer: { audience: 'operator', means: 'the store was written by a newer citebot' },
  store_unreachable: {
    audience: 'operator',
    means: 'PostgreSQL (DATABASE_URL) could not be reached when citebot started',
  },
  store_unavailable: {
    audience: 'operator',
    means: 'PostgreSQL went away while running: the change was refused, nothing written',
  },
  store_backend_unsupported: {
    audience: 'operator',
    means: 'the operation does not apply to this store backend (e.g. backup on PostgreSQL)',
  },
  internal: { audience: 'operator', means: 'a bug or a crashed worker: nothing the asker can change' },
} as const satisfies Record<string, { audience: 'member' | 'operator'; means: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type Audience = 'member' | 'operator';

export function audienceOf(code: ErrorCode): Audience {
  return ERROR_CODES[code].audience;
}

export class CitebotError extends Error {
  readonly code: ErrorCode;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CitebotError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** An error caused by what the user gave us (exit code 2 on the CLI). */
export class UserError extends CitebotError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(code, message, { exitCode: 2, ...options });
    this.name = 'UserError';
  }
}

export function isCitebotError(error: unknown): error is CitebotError {
  return error instanceof CitebotError;
}

/** `{"error": {"code", "message"}}`: what the CLI's --json mode prints on failure. */
export function errorJson(error: unknown): { error: { code: ErrorCode; message: string } } {
  if (isCitebotError(error)) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } };
}
