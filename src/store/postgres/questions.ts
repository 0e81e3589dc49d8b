/** The question log and its votes, in PostgreSQL (no cache derives from them). */
import type pg from 'pg';
import type { ArticleFilter, CollectionId } from '../../types.ts';
import type { LoggedAsk, LoggedQuestion, QuestionFilter, QuestionLog, QuestionStats } from '../store-api.ts';
import { Params } from './sql.ts';

/** The filter column as written by logQuestion (JSON), or null. */
function storedFilter(json: string | null): ArticleFilter | null {
  return json === null ? null : (JSON.parse(json) as ArticleFilter);
}

export class PostgresQuestionLog implements QuestionLog {
  /** `write` runs a statement that changes something (refused with a clear message while the server is gone). */
  constructor(
    private readonly readSql: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>,
    private readonly writeSql: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>,
  ) {}

  async logQuestion(
    collection: CollectionId,
    question: string,
    answered: boolean,
    filter?: ArticleFilter,
  ): Promise<number> {
    const row = await this.writeSql(
      'INSERT INTO questions (collection, question, answered, asked_at, filter) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [collection, question, answered, new Date().toISOString(), filter ? JSON.stringify(filter) : null],
    );
    return (row.rows[0] as { id: number }).id;
  }

  async question(id: number): Promise<LoggedAsk | null> {
    const row = await this.readSql('SELECT question, collection, filter FROM questions WHERE id = $1', [id]);
    const found = row.rows[0] as { question: string; collection: string; filter: string | null } | undefined;
    return found ? { ...found, filter: storedFilter(found.filter) } : null;
  }

  async recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): Promise<void> {
    await this.writeSql(
      'INSERT INTO feedback (question_id, user_id, vote) VALUES ($1, $2, $3) ON CONFLICT (question_id, user_id) DO UPDATE SET vote = EXCLUDED.vote',
      [questionId, userId, vote],
    );
  }

  async listQuestions(collection: CollectionId | undefined, options: QuestionFilter): Promise<LoggedQuestion[]> {
    const params = new Params();
    const conditions: string[] = [];
    if (collection !== undefined) conditions.push(`q.collection = ${params.add(collection)}`);
    if (options.unanswered) conditions.push('NOT q.answered');
    if (options.beforeId !== undefined) conditions.push(`q.id < ${params.add(options.beforeId)}`);
    const rows = await this.readSql(
      `SELECT q.id, q.collection, q.question, q.answered, q.asked_at AS "askedAt", q.filter,
              count(*) FILTER (WHERE f.vote = 'up')::int AS up, count(*) FILTER (WHERE f.vote = 'down')::int AS down
       FROM questions q LEFT JOIN feedback f ON f.question_id = q.id
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       GROUP BY q.id ${options.downvoted ? "HAVING count(*) FILTER (WHERE f.vote = 'down') > 0" : ''}
       ORDER BY q.id DESC LIMIT ${params.add(options.limit)}`,
      params.values,
    );
    return (rows.rows as (Omit<LoggedQuestion, 'filter'> & { filter: string | null })[]).map((row) => ({
      ...row,
      filter: storedFilter(row.filter),
    }));
  }

  async questionStats(collection?: CollectionId): Promise<QuestionStats> {
    const args = collection === undefined ? [] : [collection];
    const where = collection === undefined ? 'TRUE' : 'q.collection = $1';
    const asked = (await this.readSql(`SELECT count(*)::int AS n FROM questions q WHERE ${where}`, args)).rows[0]
      .n as number;
    const unanswered = (
      await this.readSql(
        `SELECT question, asked_at AS "askedAt" FROM questions q WHERE ${where} AND NOT answered ORDER BY asked_at DESC, id DESC LIMIT 10`,
        args,
      )
    ).rows as QuestionStats['unanswered'];
    // The same question asked again differs only in case and spacing; the latest wording is shown.
    const mostAsked = (
      await this.readSql(
        `SELECT (SELECT question FROM questions WHERE id = max(q.id)) AS question, count(*)::int AS times, count(*) FILTER (WHERE q.answered)::int AS answered
         FROM questions q WHERE ${where} GROUP BY lower(trim(q.question)) HAVING count(*) > 1 ORDER BY times DESC, max(q.id) DESC LIMIT 5`,
        args,
      )
    ).rows as QuestionStats['mostAsked'];
    const downvoted = (
      await this.readSql(
        `SELECT q.question, q.asked_at AS "askedAt", count(*)::int AS down FROM feedback f JOIN questions q ON q.id = f.question_id
         WHERE ${where} AND f.vote = 'down' GROUP BY q.id ORDER BY q.asked_at DESC, q.id DESC LIMIT 10`,
        args,
      )
    ).rows as QuestionStats['downvoted'];
    const votes = (
      await this.readSql(
        `SELECT f.vote, count(*)::int AS n FROM feedback f JOIN questions q ON q.id = f.question_id WHERE ${where} GROUP BY f.vote`,
        args,
      )
    ).rows as { vote: 'up' | 'down'; n: number }[];
    return {
      asked,
      unanswered,
      mostAsked,
      downvoted,
      up: votes.find((v) => v.vote === 'up')?.n ?? 0,
      down: votes.find((v) => v.vote === 'down')?.n ?? 0,
    };
  }
}
