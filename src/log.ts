/** Structured logs (pino) on stderr, so stdout stays clean for answers and --json. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'citebot'): Logger {
  return pino(
    {
      name,
      level,
      // Belt and braces: these never reach a log line, whatever a caller passes.
      redact: { paths: ['token', '*.token', 'DISCORD_TOKEN', '*.DISCORD_TOKEN', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
