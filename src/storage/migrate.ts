// Migrations are imported statically (not read from a folder at run time) so they run the same
// under tsx, compiled to dist, and bundled.
import { type Kysely, type Migration, Migrator } from 'kysely';
import * as initial from '../../migrations/0001_initial.js';
import * as searchIndexSqlite from '../../migrations/0002_search_index_sqlite.js';
import * as linkChecks from '../../migrations/0003_link_checks.js';
import * as tagPlaces from '../../migrations/0004_tag_places.js';
import * as fairQueue from '../../migrations/0005_fair_queue_and_delivery.js';
import * as conversation from '../../migrations/0006_conversation_and_cards.js';
import * as tagCountIndex from '../../migrations/0007_tag_count_index.js';
import * as scheduleRuns from '../../migrations/0008_schedule_runs.js';
import * as postgresSearch from '../../migrations/0009_postgres_search_and_seq.js';
import * as findTagIndex from '../../migrations/0010_find_tag_index.js';
import * as watchesChangesRot from '../../migrations/0011_watches_changes_rot.js';
import * as importHostSpacing from '../../migrations/0013_import_host_spacing.js';
import * as uploadedVersions from '../../migrations/0014_uploaded_versions.js';
import { MigrationError } from './errors.js';

export const Migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_search_index_sqlite': searchIndexSqlite,
  '0003_link_checks': linkChecks,
  '0004_tag_places': tagPlaces,
  '0005_fair_queue_and_delivery': fairQueue,
  '0006_conversation_and_cards': conversation,
  '0007_tag_count_index': tagCountIndex,
  '0008_schedule_runs': scheduleRuns,
  '0009_postgres_search_and_seq': postgresSearch,
  '0010_find_tag_index': findTagIndex,
  '0011_watches_changes_rot': watchesChangesRot,
  '0013_import_host_spacing': importHostSpacing,
  '0014_uploaded_versions': uploadedVersions,
};

/** Applies every pending migration in order; returns the names applied (empty when up to date). */
export async function migrateToLatest(db: Kysely<any>): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => Migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName ?? null, error);
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
