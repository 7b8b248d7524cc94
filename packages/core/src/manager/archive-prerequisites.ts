// What the change archiver needs from the server before it creates anything, each checked with an error
// that names the fix: wal_level = logical, a role that may replicate, a free replication slot, and the
// publication (pgkeep's own, created FOR ALL TABLES when missing, or one the application names).
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import { DEFAULT_PUBLICATION } from './archive-options'

export const WAL_LEVEL_HINT = 'set wal_level = logical in postgresql.conf and restart the server. Managed services: '
  + 'Amazon RDS and Aurora: rds.logical_replication = 1 in the (cluster) parameter group, then reboot; '
  + 'Google Cloud SQL: the flag cloudsql.logical_decoding = on; Azure Database for PostgreSQL flexible server: '
  + 'the server parameter wal_level = logical, then restart'

/** Checks the server and the role; OPTIONS_INVALID, SERVER_LIMIT or PERMISSION_DENIED naming the fix. */
export async function checkArchivePrerequisites(client: pg.Client, o: { needSlot: boolean }): Promise<void> {
  const { rows } = await client.query<{ wal_level: string; rolsuper: boolean; rolreplication: boolean; slots: number; max_slots: number }>(`
    SELECT pg_catalog.current_setting('wal_level') AS wal_level, r.rolsuper, r.rolreplication,
           (SELECT pg_catalog.count(*)::int FROM pg_catalog.pg_replication_slots) AS slots,
           pg_catalog.current_setting('max_replication_slots')::int AS max_slots
      FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`)
  const row = rows[0]!
  if (row.wal_level !== 'logical') {
    throw new PgkeepError('SERVER_LIMIT', `the change archive needs wal_level = logical; this server has wal_level = ${row.wal_level}`, { hint: WAL_LEVEL_HINT })
  }
  if (!row.rolsuper && !row.rolreplication) {
    throw new PgkeepError('PERMISSION_DENIED', 'the change archive needs a role with the REPLICATION attribute (or a superuser); the connection\'s role has neither', {
      hint: 'ALTER ROLE <role> REPLICATION (as a superuser); on Amazon RDS: GRANT rds_replication TO <role>; pg_hba.conf must also allow the role\'s replication connections',
    })
  }
  if (o.needSlot && row.slots >= row.max_slots) {
    throw new PgkeepError('SERVER_LIMIT', `every replication slot is in use (${row.slots} of max_replication_slots = ${row.max_slots})`, {
      hint: 'raise max_replication_slots (restart needed), or drop a slot nobody reads: SELECT slot_name, active FROM pg_replication_slots',
    })
  }
}

/**
 * Makes sure the publication exists: pgkeep's own (`pgkeep_archive`) is created FOR ALL TABLES when
 * missing; one the application names must exist. Returns whether it was created.
 */
export async function ensurePublication(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>('SELECT pg_catalog.count(*)::int AS n FROM pg_catalog.pg_publication WHERE pubname = $1', [name])
  if (rows[0]!.n > 0) return false
  if (name !== DEFAULT_PUBLICATION) {
    throw new PgkeepError('OPTIONS_INVALID', `the publication ${name} does not exist in this database`, {
      hint: `create it (CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES, or FOR TABLE …), or leave the publication option out so that pgkeep creates ${DEFAULT_PUBLICATION} for all tables`,
    })
  }
  try {
    await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`)
  } catch (error) {
    const e = error as { code?: string; message?: string }
    if (e.code === '42710') return false // another archiver created it just now
    if (e.code === '42501') {
      throw new PgkeepError('PERMISSION_DENIED', `unable to create the publication ${name}: ${e.message}`, {
        cause: error,
        hint: `a publication FOR ALL TABLES needs a superuser: have one run CREATE PUBLICATION ${name} FOR ALL TABLES; or create a publication of the tables you own (CREATE PUBLICATION … FOR TABLE …) and name it (option archive.publication, PGKEEP_ARCHIVE_PUBLICATION, --publication)`,
      })
    }
    throw new PgkeepError('CATALOG_QUERY_FAILED', `unable to create the publication ${name}: ${e.message}`, { cause: error })
  }
  return true
}

/** How many tables the replica identity error names at most. */
const NAMED_TABLES = 10

/**
 * The tables the publication covers (all publishable tables when it does not exist yet: pgkeep creates
 * it FOR ALL TABLES) whose UPDATE or DELETE the server would refuse once they are published: no usable
 * replica identity (REPLICA IDENTITY DEFAULT without a primary key, NOTHING, or USING INDEX of an index
 * that is gone). Only when the publication publishes updates or deletes. Qualified, quoted names.
 */
export async function tablesWithoutReplicaIdentity(client: pg.Client, publication: string): Promise<{ tables: string[]; total: number }> {
  const { rows: pubs } = await client.query<{ puballtables: boolean; pubupdate: boolean; pubdelete: boolean }>(
    'SELECT puballtables, pubupdate, pubdelete FROM pg_catalog.pg_publication WHERE pubname = $1', [publication])
  const pub = pubs[0]
  if (pub && !pub.pubupdate && !pub.pubdelete) return { tables: [], total: 0 }
  // the tables a publication FOR ALL TABLES publishes: permanent ordinary tables (a partitioned table's
  // writes meet its partitions' identities), user objects only
  const covered = !pub || pub.puballtables
    ? `c.relkind = 'r' AND c.relpersistence = 'p' AND c.oid >= 16384
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`
    // a publication's table, or a partition of one (publish_via_partition_root lists the root)
    : `c.relkind = 'r' AND c.oid IN (SELECT t.relid FROM pg_catalog.pg_publication_tables p
         JOIN pg_catalog.pg_namespace pn ON pn.nspname = p.schemaname
         JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = p.tablename,
         LATERAL pg_catalog.pg_partition_tree(pc.oid) t
        WHERE p.pubname = $1 AND t.isleaf)`
  const { rows } = await client.query<{ name: string }>(`
    SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${covered}
       AND (c.relreplident = 'n'
         OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))
         OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)))
     ORDER BY n.nspname, c.relname`, pub && !pub.puballtables ? [publication] : [])
  return { tables: rows.slice(0, NAMED_TABLES).map((r) => r.name), total: rows.length }
}

/**
 * CONFLICT when publishing would make the server refuse the application's UPDATE and DELETE of a table
 * ("cannot update table … because it does not have a replica identity and publishes updates"): checked
 * before the publication is created, at each start and before each new chain.
 */
export async function assertReplicaIdentities(client: pg.Client, publication: string): Promise<void> {
  const { tables, total } = await tablesWithoutReplicaIdentity(client, publication)
  if (total === 0) return
  const { rows } = await client.query<{ n: number }>('SELECT pg_catalog.count(*)::int AS n FROM pg_catalog.pg_publication WHERE pubname = $1', [publication])
  const exists = rows[0]!.n > 0
  const created = !exists
    ? ' No publication was created.'
    : publication === DEFAULT_PUBLICATION
      ? ` The publication ${publication} exists already, so these writes fail now: pgkeep archive --drop drops it with the archive's slot (or DROP PUBLICATION ${publication}).`
      : ''
  const more = total > tables.length ? ` and ${total - tables.length} more` : ''
  throw new PgkeepError('CONFLICT', `the change archive would break the application's UPDATE and DELETE of ${total === 1 ? 'a table' : `${total} tables`} without a replica identity (no primary key, or REPLICA IDENTITY NOTHING, or the index of REPLICA IDENTITY USING INDEX is gone): ${tables.join(', ')}${more}. Once a publication covers a table, the server refuses its updates and deletes unless it has one`, {
    hint: `give each a primary key, or ALTER TABLE ${tables[0]} REPLICA IDENTITY FULL (the whole old row identifies it; more WAL); or name a publication of the tables to archive (option archive.publication, PGKEEP_ARCHIVE_PUBLICATION, --publication).${created}`,
  })
}
