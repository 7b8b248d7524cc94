// The replication slots of a change archive. An archive uses one slot name and, for the chain that follows
// a schema change, a second one (`<slot>_2`, then `<slot>` again): the new chain's slot is created before
// the old one is dropped, so that no transaction falls between the two.
import { createHash } from 'node:crypto'
import type pg from 'pg'
import { PgkeepError } from '../errors'
import { replicationError } from '../logical/replication-slot'

export interface SlotState {
  name: string
  active: boolean
  /** The process reading the slot, when active. */
  pid: number | null
  database: string | null
  /**
   * pg_replication_slots.wal_status (PostgreSQL 13+): 'lost' when the server removed WAL the slot still
   * needed (max_slot_wal_keep_size): it can never stream again.
   */
  walStatus: string | null
  /** pg_replication_slots.confirmed_flush_lsn as text: where its reader confirmed up to (the consistent point until someone reads it). */
  confirmedFlush: string | null
}

/**
 * The default slot of the archive of `database`: `pgkeep_<database>` when the name is lower-case letters,
 * digits and `_`; else those characters kept and 8 hex digits of the name's sha256 added, so that two
 * databases never share a slot. At most 61 characters (room for the `_2` of the next chain).
 */
export function archiveSlotName(database: string): string {
  const plain = database.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const exact = plain === database
  const suffix = exact ? '' : `_${createHash('sha256').update(database).digest('hex').slice(0, 8)}`
  return `${`pgkeep_${plain}`.slice(0, 61 - suffix.length)}${suffix}`
}

/** The two names an archive's slots take in turn. */
export function slotFamily(base: string): [string, string] {
  return [base, `${base}_2`]
}

/** The slot for the chain after the one reading `current`. */
export function nextSlot(base: string, current: string): string {
  return current === base ? `${base}_2` : base
}

export async function readSlots(client: pg.Client, names: string[]): Promise<SlotState[]> {
  const { rows } = await client.query<{ slot_name: string; active: boolean; active_pid: number | null; database: string | null; slot_type: string; plugin: string | null; wal_status: string | null; confirmed_flush: string | null }>(
    'SELECT slot_name, active, active_pid, database, slot_type, plugin, wal_status, confirmed_flush_lsn::text AS confirmed_flush FROM pg_catalog.pg_replication_slots WHERE slot_name = ANY($1::text[])',
    [names],
  )
  for (const r of rows) {
    if (r.slot_type !== 'logical' || r.plugin !== 'pgoutput') {
      throw new PgkeepError('CONFLICT', `the replication slot ${r.slot_name} exists but is not a logical pgoutput slot (${r.slot_type}${r.plugin ? `, ${r.plugin}` : ''}): it belongs to something else`, {
        hint: 'name another slot for the archive (option archive.slot, PGKEEP_ARCHIVE_SLOT, --slot)',
      })
    }
  }
  return rows.map((r) => ({ name: r.slot_name, active: r.active, pid: r.active_pid, database: r.database, walStatus: r.wal_status, confirmedFlush: r.confirmed_flush }))
}

/** CONFLICT when a process reads one of these slots: another archiver runs. */
export function refuseActive(slots: SlotState[]): void {
  const busy = slots.find((s) => s.active)
  if (busy) {
    throw new PgkeepError('CONFLICT', `the replication slot ${busy.name} is being read by the server process ${busy.pid ?? '?'}: another archiver runs`, {
      hint: `stop that archiver first; if it is a leftover of a lost connection, SELECT pg_terminate_backend(${busy.pid ?? '<pid>'}) ends it`,
    })
  }
}

/**
 * Drops a slot with SQL (any connection of its database). A walsender that has just ended may hold it for
 * a moment: tried again for up to `waitMs`. False when the slot did not exist.
 */
export async function dropSlotBySql(client: pg.Client, name: string, waitMs = 10_000): Promise<boolean> {
  const until = Date.now() + waitMs
  for (;;) {
    try {
      const { rows } = await client.query<{ n: number }>('SELECT pg_catalog.count(*)::int AS n FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [name])
      if (rows[0]!.n === 0) return false
      await client.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [name])
      return true
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === '42704') return false // dropped meanwhile
      if (code === '55006' && Date.now() < until) { // active: its reader is going away
        await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      throw replicationError(error, `drop the replication slot ${name}`)
    }
  }
}

/**
 * CONFLICT for a slot of the archive's family that no chain of this storage reads (neither the newest chain's
 * nor the one it replaced after a schema change): it may be the live slot
 * of the same database's archive in another storage (dropping it would lose every change that archive has
 * not stored yet), or one left by an archiver killed during its base backup. Never dropped here.
 * `untrusted`: the newest chain base that names it but that the manager would not use under its signing
 * key (planted or changed by someone who can write the storage, or a key missing): the message says so.
 */
export function unknownSlotError(slot: string, where: string, untrusted?: { id: string; reason: string }): PgkeepError {
  const named = untrusted
    ? ` that the manager would use reads it; the chain of backup ${untrusted.id} names it, but that base backup does not check out under the signing key (${untrusted.reason}), so it is not resumed (someone who can write the storage may have planted or changed it)`
    : ' reads it'
  return new PgkeepError('CONFLICT', `the replication slot ${slot} exists, but no chain in this storage (${where})${named}: it may be the slot of this database's archive in another storage (dropping it would lose the changes that archive has not stored yet), or one left by an archiver killed during a base backup (its first, or the one after a schema change); it is left alone`, {
    hint: (untrusted
      ? `if backup ${untrusted.id} is yours, make it usable (add its key to signing.previousKeys, or turn signing.require off for a backup made before signing) and start again; else `
      : '') +
      `point the archiver at the storage whose chain uses ${slot}; if the slot is really stale, drop it: pgkeep archive --drop (with this storage and the same --slot), or SELECT pg_drop_replication_slot('${slot}'); or give this archive its own slot (option archive.slot, PGKEEP_ARCHIVE_SLOT, --slot)`,
  })
}
