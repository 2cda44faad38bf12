// Imports (issue 14) queue captures politely. Jobs gain the host they capture, so an import can
// space its captures of one site after whatever is already queued there, and the queue can hold an
// imported capture back while another capture of its host runs. Old jobs keep a null host: they
// are neither spaced nor held. Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('host', 'text').execute();
  await db.schema.createIndex('jobs_host').on('jobs').columns(['host', 'status', 'run_after']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jobs_host').execute();
  await db.schema.alterTable('jobs').dropColumn('host').execute();
}
