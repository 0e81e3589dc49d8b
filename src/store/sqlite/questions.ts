/** The questions and feedback tables: the question log, votes, and their statistics. */
import type { ArticleFilter, CollectionId } from '../../types.ts';
import type { LoggedAsk, LoggedQuestion, QuestionFilter, QuestionStats } from '../store-api.ts';
import { StatementCache, type Db, type Statement } from './sql.ts';

/** The filter column as written by `log` (JSON), or null. */
function storedFilter(json: string | null): ArticleFilter | null {
  return json === null ? null : (JSON.parse(json) as ArticleFilter);
}

export class QuestionTable {
  private readonly insert: Statement;
  private readonly byId: Statement;
  private readonly textById: Statement;
  private readonly vote: Statement;
  private readonly dynamic: StatementCache;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO questions (collection, question, answered, asked_at, filter) VALUES (?, ?, ?, ?, ?)',
    );
    this.byId = db.prepare('SELECT question, collection, filter FROM questions WHERE id = ?');
    this.textById = db.prepare('SELECT question FROM questions WHERE id = ?').pluck();
    this.vote = db.prepare(
      'INSERT INTO feedback (question_id, user_id, vote) VALUES (?, ?, ?) ON CONFLICT(question_id, user_id) DO UPDATE SET vote = excluded.vote',
    );
    this.dynamic = new StatementCache(db);
  }

  log(collection: CollectionId, question: string, answered: boolean, filter?: ArticleFilter): number {
    const info = this.insert.run(
      collection,
      question,
      answered ? 1 : 0,
      new Date().toISOString(),
      filter ? JSON.stringify(filter) : null,
    );
    return Number(info.lastInsertRowid);
  }

  question(id: number): LoggedAsk | null {
    const row = this.byId.get(id) as { question: string; collection: string; filter: string | null } | undefined;
    return row ? { ...row, filter: storedFilter(row.filter) } : null;
  }

  recordFeedback(questionId: number, userId: string, vote: 'up' | 'down'): void {
    this.vote.run(questionId, userId, vote);
  }

  list(collection: CollectionId | undefined, options: QuestionFilter): LoggedQuestion[] {
    const conditions: string[] = [];
    const args: (string | number)[] = [];
    if (collection !== undefined) {
      conditions.push('q.collection = ?');
      args.push(collection);
    }
    if (options.unanswered) conditions.push('q.answered = 0');
    if (options.beforeId !== undefined) {
      conditions.push('q.id < ?');
      args.push(options.beforeId);
    }
    const rows = this.dynamic
      .get(
        `SELECT q.id AS id, q.collection AS collection, q.question AS question, q.answered AS answered, q.asked_at AS askedAt, q.filter AS filter,
                count(CASE WHEN f.vote = 'up' THEN 1 END) AS up, count(CASE WHEN f.vote = 'down' THEN 1 END) AS down
         FROM questions q LEFT JOIN feedback f ON f.question_id = q.id
         ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
         GROUP BY q.id ${options.downvoted ? 'HAVING down > 0' : ''}
         ORDER BY q.id DESC LIMIT ?`,
      )
      .all(...args, options.limit) as (Omit<LoggedQuestion, 'answered' | 'filter'> & {
      answered: number;
      filter: string | null;
    })[];
    return rows.map((row) => ({ ...row, answered: row.answered === 1, filter: storedFilter(row.filter) }));
  }

  stats(collection?: CollectionId): QuestionStats {
    const where = collection === undefined ? '' : 'WHERE q.collection = ?';
    const and = where ? `${where} AND` : 'WHERE';
    const args = collection === undefined ? [] : [collection];
    const asked = this.dynamic
      .get(`SELECT count(*) FROM questions q ${where}`)
      .pluck()
      .get(...args) as number;
    const unanswered = this.dynamic
      .get(
        `SELECT question, asked_at AS askedAt FROM questions q ${and} answered = 0 ORDER BY asked_at DESC, id DESC LIMIT 10`,
      )
      .all(...args) as QuestionStats['unanswered'];
    // The same question asked again differs only in case and spacing; the latest wording is shown.
    const mostAsked = (
      this.dynamic
        .get(
          `SELECT lower(trim(question)) AS k, count(*) AS times, max(id) AS latest, sum(answered) AS answeredTimes
           FROM questions q ${where} GROUP BY k HAVING times > 1 ORDER BY times DESC, latest DESC LIMIT 5`,
        )
        .all(...args) as { latest: number; times: number; answeredTimes: number }[]
    ).map((row) => ({
      question: this.textById.get(row.latest) as string,
      times: row.times,
      answered: row.answeredTimes,
    }));
    const downvoted = this.dynamic
      .get(
        `SELECT q.question AS question, q.asked_at AS askedAt, count(*) AS down FROM feedback f JOIN questions q ON q.id = f.question_id
         ${and} f.vote = 'down' GROUP BY q.id ORDER BY q.asked_at DESC, q.id DESC LIMIT 10`,
      )
      .all(...args) as QuestionStats['downvoted'];
    const votes = this.dynamic
      .get(
        `SELECT f.vote AS vote, count(*) AS n FROM feedback f JOIN questions q ON q.id = f.question_id ${where} GROUP BY f.vote`,
      )
      .all(...args) as { vote: 'up' | 'down'; n: number }[];
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
