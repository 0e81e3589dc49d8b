/**
 * Every failure a user can act on is a CitebotError with a stable `code`.
 * `UserError`s are safe to show verbatim (CLI stderr, ephemeral Discord reply);
 * anything else is logged with its cause and the user sees a generic line.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'unsupported_format'
  | 'binary_input'
  | 'invalid_utf8'
  | 'input_too_large'
  | 'empty_article'
  | 'parse_failed'
  | 'document_encrypted'
  | 'document_no_text'
  | 'document_corrupt'
  | 'feed_invalid'
  | 'robots_disallowed'
  | 'bad_filter'
  | 'not_found'
  | 'already_exists'
  | 'model_missing'
  | 'model_invalid'
  | 'index_model_mismatch'
  | 'store_locked'
  | 'store_corrupt'
  | 'store_schema_newer'
  /** PostgreSQL (DATABASE_URL) could not be reached when citebot started. */
  | 'store_unreachable'
  /** PostgreSQL went away while running: the change was refused, nothing written. */
  | 'store_unavailable'
  /** The operation does not apply to this store backend (e.g. `backup` on PostgreSQL). */
  | 'store_backend_unsupported'
  | 'backup_invalid'
  | 'url_refused'
  | 'url_unreachable'
  | 'url_bad_response'
  | 'permission_denied'
  | 'rate_limited'
  | 'timed_out'
  | 'internal';

export class CitebotError extends Error {
  readonly code: ErrorCode;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message.startsWith('citebot:') ? message : `citebot: ${message}`, { cause: options.cause });
    this.name = 'CitebotError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** An error caused by what the user gave us; its message is written for them. */
export class UserError extends CitebotError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(code, message, { exitCode: 2, ...options });
    this.name = 'UserError';
  }
}

export function isCitebotError(error: unknown): error is CitebotError {
  return error instanceof CitebotError;
}
