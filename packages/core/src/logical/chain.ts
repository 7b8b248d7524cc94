// A chain of the change archive: one base backup (a dump taken in the snapshot a logical slot exported)
// and the segments of committed transactions that follow it, stored beside the backup under
// `<backup key without .sql.gz[.age]>.changes/`. A chain is restorable to any commit between its base's
// consistent point and its newest segment's last commit; it is retained and removed as one piece.
import type { StorageDriver } from '../storage/driver'
import { listSegments } from './replay-archive'
import type { SegmentManifest } from './change-segment'

/** The folder (ending in `/`) that holds the segments of the chain whose base backup is stored at `key`. */
export function chainPrefixOf(key: string): string {
  return `${key.replace(/\.sql\.gz(\.age)?$/, '')}.changes/`
}

export interface ChainWindow {
  /** Segments stored, in WAL order. */
  segments: number
  transactions: number
  /** Commit time of the newest archived transaction, or null when no segment is stored yet. */
  until: Date | null
  /** End LSN of the newest segment (PostgreSQL's spelling), or null. */
  untilLsn: string | null
}

/** What a chain can restore to, from its segment manifests. */
export async function chainWindow(storage: StorageDriver, key: string): Promise<ChainWindow> {
  const segments = await listSegments(storage, chainPrefixOf(key))
  return windowOf(segments.map((s) => s.manifest))
}

export function windowOf(manifests: SegmentManifest[]): ChainWindow {
  const last = manifests.at(-1)
  return {
    segments: manifests.length,
    transactions: manifests.reduce((n, m) => n + m.transactions, 0),
    until: last ? new Date(last.lastCommitAt) : null,
    untilLsn: last ? last.endLsn : null,
  }
}
