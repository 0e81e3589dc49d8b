/** What `backup` and `restore` say on PostgreSQL: they copy SQLite files; PostgreSQL has its own tools. */
import { UserError } from '../../errors.ts';
import { describeUrl } from './connection.ts';

export function usePgTools(command: 'backup' | 'restore', url: string): UserError {
  const what =
    command === 'backup'
      ? 'back it up with pg_dump: pg_dump --format=custom --file=citebot-$(date +%F).dump "$DATABASE_URL"'
      : 'restore a pg_dump file with pg_restore into an empty database (stop citebot first): pg_restore --dbname="$DATABASE_URL" --no-owner citebot.dump';
  return new UserError(
    'store_backend_unsupported',
    `${command} copies the SQLite store, but DATABASE_URL is set and the store is PostgreSQL (${describeUrl(url)}); ${what} (docs/operations.md, "Running on PostgreSQL")`,
  );
}
