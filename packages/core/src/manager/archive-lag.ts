// How far the change archive's slot is behind the server, read from pg_replication_slots: the WAL the
// slot keeps (bytes between its confirmed position and the server's current one) and the time since the
// newest archived commit while anything is waiting. A slot nobody reads keeps WAL forever, so this feeds
// the metrics (pgkeep_archive_slot_*) and the `archive-lag` alert. The slot is the one the newest chain
// the manager would use names (trust.ts, as restore decides): under a signing key, a base manifest planted
// or changed by someone who can write the storage never picks the slot watched, nor hides the real one.
import type { BackupManifest } from '../manifest/manifest'
import { chainWindow } from '../logical/chain'
import type { ManagerContext } from './context'
import { hasDatabase } from './locks'
import { untrustedOf } from './untrusted-backups'

/** @default 1 GiB */
export const DEFAULT_ARCHIVE_LAG_BYTES = 1024 ** 3
/** @default 15 minutes */
export const DEFAULT_ARCHIVE_LAG_SECONDS = 15 * 60
/**
 * WAL an idle server writes on its own (running-transaction and checkpoint records) between two
 * positions the archiver confirms: a slot behind by no more than this has nothing waiting.
 */
export const IDLE_WAL_BYTES = 64 * 1024

export interface ArchiveLag {
  slot: string
  /** Whether the slot exists on the server. */
  exists: boolean
  /** Whether a reader (the archiver) is streaming from it now. */
  active: boolean
  /** WAL bytes between the slot's confirmed position and the server's current one. */
  lagBytes: number
  /** Seconds since the newest archived commit (the chain's base when none), or 0 when nothing waits (lagBytes ≤ IDLE_WAL_BYTES). */
  lagSeconds: number
  /** Commit time of the newest archived transaction of the newest chain, or null. */
  lastArchivedAt: Date | null
  /** pg_replication_slots.wal_status: reserved, extended, unreserved (WAL about to go past max_slot_wal_keep_size) or lost. */
  walStatus: string | null
  /** Bytes that can still be written before the slot loses WAL (max_slot_wal_keep_size), or null when unlimited. */
  safeWalBytes: number | null
}

/**
 * The newest chain's base backup (a manifest with `changes`) that the manager would use, or null when
 * the archive has none. Under a signing key a newer base it would not use (distrustOf(): tampered with, an
 * unknown key, no member checksums, unsigned while required) is passed over; `backups-untrusted` names it.
 */
export async function newestChainBase(ctx: ManagerContext): Promise<BackupManifest | null> {
  return (await ctx.index.list()).find((m) => m.changes !== undefined && untrustedOf(ctx, m) === null) ?? null
}

/** The archive slot's lag, or null when there is no archive (no chain and no `alerts.archiveSlot`) or no database. */
export async function readArchiveLag(ctx: ManagerContext): Promise<ArchiveLag | null> {
  if (!hasDatabase(ctx)) return null
  const base = await newestChainBase(ctx)
  const slot = ctx.options.alerts?.archiveSlot ?? base?.changes?.slot
  if (!slot) return null
  const window = base ? await chainWindow(ctx.storage, base.storagePath) : null
  const lastArchivedAt = window?.until ?? null
  // the insert position, not pg_current_wal_lsn() (the written one): with synchronous_commit = off a commit
  // returns before its WAL is written, and the written position may trail the slot's debt by megabytes
  const row = await ctx.withDatabase(async (client) => {
    const result = await client.query<{ active: boolean; lag: string | null; wal_status: string | null; safe_wal_size: string | null }>(`
      SELECT active, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), confirmed_flush_lsn)::text AS lag, wal_status, safe_wal_size::text
        FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`, [slot])
    return result.rows[0]
  })
  if (!row) return { slot, exists: false, active: false, lagBytes: 0, lagSeconds: 0, lastArchivedAt, walStatus: null, safeWalBytes: null }
  const lagBytes = Math.max(0, Number(row.lag ?? 0))
  const since = lastArchivedAt ?? (base ? new Date(base.completedAt) : null)
  const lagSeconds = lagBytes <= IDLE_WAL_BYTES || !since ? 0 : Math.max(0, (ctx.now().getTime() - since.getTime()) / 1000)
  return {
    slot, exists: true, active: row.active, lagBytes, lagSeconds, lastArchivedAt,
    walStatus: row.wal_status, safeWalBytes: row.safe_wal_size === null ? null : Number(row.safe_wal_size),
  }
}
