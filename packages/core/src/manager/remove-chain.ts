// Removing a base backup removes its chain of the change archive with it, before the base itself:
// segments newest first, each one's manifest before its data. A crash at any point leaves the base listed
// and complete with a shorter chain that still starts at the base (a contiguous run of segments, so a
// restore to any time it still reaches is right), or the base gone with only manifest-less objects left,
// which cleanup sweeps as orphans (orphans.ts). Never a segment listed without its base.
import type { BackupManifest } from '../manifest/manifest'
import { chainPrefixOf } from '../logical/chain'
import type { StorageDriver } from '../storage/driver'

/** Removes every object of the chain whose base is `manifest`; returns how many segments it held. */
export async function removeChain(storage: StorageDriver, manifest: Pick<BackupManifest, 'storagePath'>): Promise<number> {
  const prefix = chainPrefixOf(manifest.storagePath)
  const keys: string[] = []
  for await (const object of storage.list(prefix)) keys.push(object.key)
  if (keys.length === 0) return 0
  // hex LSNs of a fixed width: reverse key order is newest first
  const segments = keys.filter((k) => k.endsWith('.segment.json')).sort().reverse()
  const removed = new Set<string>()
  for (const key of segments) {
    const data = key.replace(/\.segment\.json$/, '.changes.gz')
    await storage.remove(key)
    await storage.remove(data)
    removed.add(key).add(data)
  }
  // what is left: data a crashed archiver stored without its manifest
  for (const key of keys) if (!removed.has(key)) await storage.remove(key)
  return segments.length
}
