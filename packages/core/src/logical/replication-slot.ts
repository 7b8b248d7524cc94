// Logical replication slots on a replication connection (`replication: 'database'`). A slot created with
// an exported snapshot is where a base backup and the change stream meet: a dump that imports the snapshot
// sees exactly the transactions committed before the slot's consistent point, and the slot streams
// exactly those committed after it. The snapshot stays importable only while this connection runs no
// other command.
import pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import { parseLsn, type Lsn } from './lsn'

export interface CreatedSlot {
  name: string
  /** WAL position from which the slot streams: every transaction committed after it, none before. */
  consistentPoint: Lsn
  /** For `SET TRANSACTION SNAPSHOT` (dump option `snapshot`) while the replication connection stays idle. */
  snapshot: string
}

/** A connection in the walsender's database mode: replication commands and plain SQL both work on it. */
export async function connectForReplication(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...config, replication: 'database' } as pg.ClientConfig)
  // a lost connection reaches the caller through the command or stream that was running on it
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw replicationError(error, 'open a replication connection')
  }
  return client
}

/** The server's major version, as a replication connection can ask it. */
export async function serverMajorOf(client: pg.Client): Promise<number> {
  const result = await client.query<{ server_version_num: string }>('SHOW server_version_num')
  return Math.floor(Number(result.rows[0]!.server_version_num) / 10000)
}

export async function createSlotWithSnapshot(client: pg.Client, name: string): Promise<CreatedSlot> {
  const major = await serverMajorOf(client)
  // 15 introduced the parenthesised options; 13 and 14 know only the keyword form
  const sql = major >= 15
    ? `CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput (SNAPSHOT 'export')`
    : `CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput EXPORT_SNAPSHOT`
  let row: { slot_name: string; consistent_point: string; snapshot_name: string }
  try {
    const result = await client.query<typeof row>(sql)
    row = result.rows[0]!
  } catch (error) {
    throw replicationError(error, `create the replication slot ${name}`)
  }
  return { name: row.slot_name, consistentPoint: parseLsn(row.consistent_point), snapshot: row.snapshot_name }
}

export async function dropSlot(client: pg.Client, name: string): Promise<void> {
  try {
    await client.query(`DROP_REPLICATION_SLOT ${quoteIdent(name)}`)
  } catch (error) {
    throw replicationError(error, `drop the replication slot ${name}`)
  }
}

/** A failed replication command, with the fix for the usual causes. */
export function replicationError(error: unknown, what: string): PgkeepError {
  const e = error as { code?: string; message?: string; detail?: string }
  const message = `unable to ${what}: ${e.message ?? String(error)}`
  switch (e.code) {
    case '55000': // wal_level is not logical; or a slot invalidated by max_slot_wal_keep_size
      // PostgreSQL 13-15: "cannot read from logical replication slot", 16+: "can no longer get changes from
      // replication slot"; the detail says why ("… exceeded the maximum reserved size")
      if (/cannot read from logical replication slot|can no longer get changes|invalidated/i.test(`${e.message ?? ''} ${e.detail ?? ''}`)) {
        return new PgkeepError('SERVER_LIMIT', `${message}${e.detail ? ` (${e.detail})` : ''}`, { cause: error, hint: 'the server invalidated the slot (with max_slot_wal_keep_size: it removed WAL the slot still needed), so it can never stream again; the next start of the archiver drops it and begins a new chain with a new base backup (no restore reaches the commits between the old chain\'s end and it); raise max_slot_wal_keep_size, or keep the archiver running' })
      }
      return new PgkeepError('SERVER_LIMIT', message, { cause: error, hint: 'logical decoding needs wal_level = logical (postgresql.conf, then restart; on managed services: the logical replication / logical decoding flag)' })
    case '42501':
    case '28000':
      return new PgkeepError('PERMISSION_DENIED', message, { cause: error, hint: 'the role needs the REPLICATION attribute (ALTER ROLE … REPLICATION) or superuser, and pg_hba.conf must allow its replication connections' })
    case '53400': // all replication slots are in use
    case '53300': // too many WAL senders / connections
      return new PgkeepError('SERVER_LIMIT', message, { cause: error, hint: 'raise max_replication_slots / max_wal_senders, or drop a slot nobody reads (pg_replication_slots)' })
    case '42710':
      return new PgkeepError('CONFLICT', message, { cause: error, hint: 'a slot of that name exists: an archive already reads it' })
    default:
      return new PgkeepError('CONNECT_FAILED', message, { cause: error })
  }
}
