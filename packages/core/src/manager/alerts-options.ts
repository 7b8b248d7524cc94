// The alerts option of the manager: the thresholds that raise `alert` events (alerts.ts raises them).
import * as z from 'zod/mini'

export const AlertsSchema = z.strictObject({
  /** A backup whose stored size is above this raises 'backup-size-above'. */
  sizeAboveBytes: z.optional(z.number().check(z.int(), z.positive())),
  /** The storage's quota: everything under the key prefix (dumps, manifests, audit) counts. */
  storageQuotaBytes: z.optional(z.number().check(z.int(), z.positive())),
  /** Storage above this fraction of storageQuotaBytes raises 'storage-quota'. @default 0.9 */
  storageQuotaFraction: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.9),
  /** No successful backup within this many hours raises 'no-recent-success'. */
  noSuccessForHours: z.optional(z.number().check(z.positive())),
  /** The change archive's slot keeping more WAL than this raises 'archive-lag'. @default 1 GiB */
  archiveLagBytes: z.optional(z.number().check(z.int(), z.positive())),
  /** …or being this many seconds behind the newest archived commit while changes wait. @default 900 (15 minutes) */
  archiveLagSeconds: z.optional(z.number().check(z.positive())),
  /** The change archive's slot, when no chain's base backup names it yet (a chain's manifest `changes.slot` otherwise). */
  archiveSlot: z.optional(z.string().check(z.minLength(1))),
})

export type AlertsOption = z.input<typeof AlertsSchema>
