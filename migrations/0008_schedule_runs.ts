// Scheduled work runs once per cluster, not once per process: each run of a named job claims its
// slot (the tick it was due at) in one row; the process whose claim lands runs it, the others skip.
// Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedule_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('schedule_runs').execute();
}
