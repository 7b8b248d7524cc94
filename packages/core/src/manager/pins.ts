// Pinned backups are kept forever: cleanup never deletes them (remove() still does, on request). A pin
// is an object beside the backup, `….pin.json`, so it is as durable as the backup and every instance
// sharing the storage sees it; removing the backup removes its pin.
import { Readable } from 'node:stream'
import { pinKeyOf } from '../backup/backup-name'
import type { BackupRecord } from '../backup/backup-record'
import { bounded } from './audit-bounds'
import type { ManagerContext } from './context'

export const PIN_FORMAT = 'pgkeep-pin'

export interface PinObject {
  format: typeof PIN_FORMAT
  id: string
  pinnedAt: string
  pinnedBy: string | null
}

/** Pins a backup (idempotent: an existing pin, with its time and author, stays as it is). */
export function pinBackup(ctx: ManagerContext, id: string, actor: string | null): Promise<BackupRecord> {
  return ctx.audited('pin', actor, id, async () => {
    const manifest = await ctx.find(id)
    const key = pinKeyOf(manifest.storagePath)
    if ((await ctx.storage.stat(key)) === null) {
      const pin: PinObject = { format: PIN_FORMAT, id: manifest.id, pinnedAt: ctx.now().toISOString(), pinnedBy: actor === null ? null : bounded(actor) }
      await ctx.storage.put(key, Readable.from([Buffer.from(`${JSON.stringify(pin, null, 2)}\n`)]), { contentType: 'application/json' })
    }
    ctx.index.rememberPin(manifest, true)
    return ctx.record(manifest)
  })
}

/** Unpins a backup (idempotent): from now on the retention policy decides about it. */
export function unpinBackup(ctx: ManagerContext, id: string, actor: string | null): Promise<BackupRecord> {
  return ctx.audited('unpin', actor, id, async () => {
    const manifest = await ctx.find(id)
    await ctx.storage.remove(pinKeyOf(manifest.storagePath))
    ctx.index.rememberPin(manifest, false)
    return ctx.record(manifest)
  })
}

/** Asks the storage itself (not the index's cache) whether a backup is pinned: the last check before deleting. */
export async function isPinnedNow(ctx: ManagerContext, storagePath: string): Promise<boolean> {
  return (await ctx.storage.stat(pinKeyOf(storagePath))) !== null
}
