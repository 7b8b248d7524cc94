// The slots an archiver of this storage created for a base backup that is not complete yet. A chain's slot
// is named in its base backup's manifest, which is written last; an archiver killed between creating the
// slot and writing that manifest (SIGKILL, a crash, a lost machine during a long dump) left a slot no chain
// names, which the next start must not take for another storage's live archive. So the archiver records
// each slot it creates, with the database and the slot's consistent point, under
// `<keyPrefix>archive/pending-slots/<slot>.json`, and forgets it once the base backup's manifest is stored
// (or the slot is dropped). A slot that such a record names, of the same database, and that nothing has read
// since it was created (its confirmed position is still the consistent point), is this storage's leftover:
// the next start drops it. A slot that has moved on is being read by someone else, and is left alone.
import { Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import { readText } from '../history/read-text'
import { parseLsn } from '../logical/lsn'
import type { StorageDriver } from '../storage/driver'
import type { SlotState } from './archive-slots'

export interface PendingSlot {
  slot: string
  database: string
  /** The slot's consistent point as PostgreSQL prints an LSN. */
  consistentPoint: string
  /** When the slot was created (ISO 8601). */
  createdAt: string
}

/** Records are small; a larger object under the key is not one. */
const MAX_RECORD_BYTES = 4096

export function pendingSlotFolder(keyPrefix: string): string {
  return `${keyPrefix}archive/pending-slots/`
}

function pendingSlotKey(keyPrefix: string, slot: string): string {
  return `${pendingSlotFolder(keyPrefix)}${slot}.json`
}

export async function recordPendingSlot(storage: StorageDriver, keyPrefix: string, record: PendingSlot): Promise<void> {
  await storage.put(pendingSlotKey(keyPrefix, record.slot), Readable.from([Buffer.from(`${JSON.stringify(record)}\n`, 'utf8')]), { contentType: 'application/json' })
}

/** Removes the record of `slot`, if any. */
export async function forgetPendingSlot(storage: StorageDriver, keyPrefix: string, slot: string): Promise<void> {
  await storage.remove(pendingSlotKey(keyPrefix, slot))
}

/** The record of `slot`, or null when there is none or it is not one (unreadable records are no evidence). */
export async function readPendingSlot(storage: StorageDriver, keyPrefix: string, slot: string): Promise<PendingSlot | null> {
  const key = pendingSlotKey(keyPrefix, slot)
  let text: string
  try {
    text = await readText(storage, key, MAX_RECORD_BYTES)
  } catch (error) {
    // absent, or too large to be a record
    if (error instanceof PgkeepError && (error.code === 'STORAGE_NOT_FOUND' || error.code === 'BACKUP_CORRUPT')) return null
    throw error
  }
  try {
    const value = JSON.parse(text) as Partial<PendingSlot>
    if (typeof value.slot !== 'string' || typeof value.database !== 'string' || typeof value.consistentPoint !== 'string' || typeof value.createdAt !== 'string') return null
    if (value.slot !== slot) return null
    parseLsn(value.consistentPoint)
    return value as PendingSlot
  } catch {
    return null
  }
}

/**
 * Whether `slot` is what an archiver of this storage left behind: recorded here for `database`, and not
 * read since it was created (its confirmed position is the recorded consistent point).
 */
export function isLeftBehind(slot: SlotState, record: PendingSlot | null, database: string): boolean {
  if (!record || record.database !== database || slot.database !== database || slot.confirmedFlush === null) return false
  try {
    return parseLsn(slot.confirmedFlush) === parseLsn(record.consistentPoint)
  } catch {
    return false
  }
}
