/**
 * A writer process for the PostgreSQL fault tests: saves articles one after another and
 * prints `acked <article id> <generation>` for each as soon as saveArticle has resolved (the
 * commit is acknowledged), until it has written `count` articles or is killed.
 *   node --import tsx test/helpers/pg-writer.ts <DATABASE_URL> <name> <count>
 */
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { articleToSave, simpleArticle } from './store-articles.ts';

const [url, name, count] = process.argv.slice(2) as [string, string, string];
const store = await PostgresStore.open(url);
for (let i = 0; i < Number(count); i++) {
  const id = `${name}-${i}`;
  const paragraphs = [
    `Report ${i} from ${name}: the ferry crossed the strait.`,
    `Second paragraph ${i} of ${name}.`,
    `Closing words ${i}.`,
  ];
  const saved = await store.saveArticle(articleToSave('library', simpleArticle(id, paragraphs)));
  process.stdout.write(`acked ${id} ${saved.generation}\n`);
}
await store.close();
