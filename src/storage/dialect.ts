// Which SQL the store speaks. Almost every query is portable; the few that are not (the search
// index, the queue's claim, a scalar max) ask here rather than guess from configuration.
import { type Kysely, PostgresAdapter } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
