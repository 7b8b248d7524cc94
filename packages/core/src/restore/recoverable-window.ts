// What a base backup of the change archive can be restored to: from its consistent point to the last
// commit its chain's newest segment holds. Read cheaply for listings: one listing of the chain's folder
// and two segment manifests (the first and the newest), whatever the chain's length.
import { PgkeepError } from '../errors'
import { chainPrefixOf } from '../logical/chain'
import type { SegmentManifest } from '../logical/change-segment'
import type { BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'

export interface RecoverableWindow {
  /** The earliest time a restore can stop at: the base backup's start (or its chain's first commit, when earlier). */
  from: Date
  /** The newest archived commit's time, or null when nothing is archived yet (then only the base itself). */
  until: Date | null
  /** The newest segment's end LSN (`16/B374D848`), or null. */
  untilLsn: string | null
  segments: number
}

/**
 * The window's start. The slot's consistent point comes before the dump starts (createdAt); a transaction
 * committed in between is in the chain, and its commit time bounds the consistent point's time from above.
 */
export function recoverableFrom(manifest: BackupManifest, first: SegmentManifest | undefined): Date {
  const created = new Date(manifest.createdAt).getTime()
  return new Date(first ? Math.min(created, new Date(first.firstCommitAt).getTime()) : created)
}

/** The window of a base backup (a manifest with `changes`). */
export async function recoverableWindow(storage: StorageDriver, manifest: BackupManifest): Promise<RecoverableWindow> {
  const keys: string[] = []
  for await (const object of storage.list(chainPrefixOf(manifest.storagePath))) {
    if (object.key.endsWith('.segment.json')) keys.push(object.key)
  }
  keys.sort()
  if (keys.length === 0) return { from: recoverableFrom(manifest, undefined), until: null, untilLsn: null, segments: 0 }
  const first = await readSegmentManifest(storage, keys[0]!)
  const last = keys.length === 1 ? first : await readSegmentManifest(storage, keys.at(-1)!)
  return { from: recoverableFrom(manifest, first), until: new Date(last.lastCommitAt), untilLsn: last.endLsn, segments: keys.length }
}

async function readSegmentManifest(storage: StorageDriver, key: string): Promise<SegmentManifest> {
  const chunks: Buffer[] = []
  for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array))
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SegmentManifest
  } catch (error) {
    throw new PgkeepError('BACKUP_CORRUPT', `change segment manifest ${key} is not valid JSON`, { cause: error })
  }
}
