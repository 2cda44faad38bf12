// "Upload your own" (issue 14): a version made from a page someone saved in their own browser.
// uploaded_by says whose it is (shown as "uploaded by <who>"); upload_sha256 is the uploaded file's
// blob, which the capture job renders offline instead of fetching the URL. Both null for captures.
// Never edit after it lands.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('snapshots').addColumn('uploaded_by', 'text').execute();
  await db.schema.alterTable('snapshots').addColumn('upload_sha256', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('snapshots').dropColumn('upload_sha256').execute();
  await db.schema.alterTable('snapshots').dropColumn('uploaded_by').execute();
}
