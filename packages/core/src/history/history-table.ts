// The optional mirror of the backup history in a PostgreSQL table shaped like the app's `backups`
// table. Storage (the manifests) stays the source of truth: the table can always be rebuilt from it.
import type pg from 'pg'
import type { BackupRecord } from '../backup/backup-record'
import { quoteQualified } from '../emit/quote'
import { PgkeepError } from '../errors'

export interface HistoryTableName {
  schema: string
  name: string
}

/** `public.backups` or `backups` (public) → its parts; anything else is rejected, never pasted into SQL. */
export function parseTableName(text: string): HistoryTableName {
  const match = /^(?:([a-z_][a-z0-9_$]*)\.)?([a-z_][a-z0-9_$]*)$/.exec(text)
  if (!match) {
    throw new PgkeepError('OPTIONS_INVALID', `history.table must be a lower-case table name like "backups" or "public.backups", not "${text}"`)
  }
  return { schema: match[1] ?? 'public', name: match[2]! }
}

/** The migration that creates the table (idempotent). */
export function historyTableSql(table: HistoryTableName): string {
  const q = quoteQualified(table.schema, table.name)
  return `CREATE TABLE IF NOT EXISTS ${q} (
    id uuid PRIMARY KEY,
    filename text NOT NULL,
    size bigint NOT NULL CHECK (size >= 0),
    type text NOT NULL CHECK (type IN ('manual', 'scheduled')),
    storage_path text NOT NULL,
    metadata jsonb NOT NULL,
    created_by text,
    created_at timestamptz NOT NULL,
    sha256 text NOT NULL,
    server_version text NOT NULL,
    status text NOT NULL DEFAULT 'completed',
    verified_at timestamptz
);
CREATE INDEX IF NOT EXISTS ${quoteIdentPart(`${table.name}_created_at_idx`)} ON ${q} (created_at DESC);
`
}

function quoteIdentPart(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export async function upsertRecord(client: pg.Client, table: HistoryTableName, r: BackupRecord): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteQualified(table.schema, table.name)}
       (id, filename, size, type, storage_path, metadata, created_by, created_at, sha256, server_version, status, verified_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO UPDATE SET filename = EXCLUDED.filename, size = EXCLUDED.size, type = EXCLUDED.type,
       storage_path = EXCLUDED.storage_path, metadata = EXCLUDED.metadata, created_by = EXCLUDED.created_by,
       created_at = EXCLUDED.created_at, sha256 = EXCLUDED.sha256, server_version = EXCLUDED.server_version,
       status = EXCLUDED.status, verified_at = EXCLUDED.verified_at`,
    [r.id, r.filename, r.size, r.type, r.storagePath, JSON.stringify(r.metadata), r.createdBy, r.createdAt, r.sha256, r.serverVersion, r.status,
      r.verified?.ok ? r.verified.at : null],
  )
}

export async function markVerified(client: pg.Client, table: HistoryTableName, id: string, at: Date | null): Promise<void> {
  await client.query(`UPDATE ${quoteQualified(table.schema, table.name)} SET verified_at = $2 WHERE id = $1`, [id, at])
}

export async function deleteRecord(client: pg.Client, table: HistoryTableName, id: string): Promise<void> {
  await client.query(`DELETE FROM ${quoteQualified(table.schema, table.name)} WHERE id = $1`, [id])
}

/** Makes the table hold exactly `records`: upserts them and deletes rows for backups no longer stored. */
export async function replaceRecords(client: pg.Client, table: HistoryTableName, records: BackupRecord[]): Promise<void> {
  await client.query('BEGIN')
  try {
    for (const r of records) await upsertRecord(client, table, r)
    await client.query(`DELETE FROM ${quoteQualified(table.schema, table.name)} WHERE NOT (id = ANY ($1::uuid[]))`, [records.map((r) => r.id)])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
