// The alerts option of the manager: the thresholds that raise `alert` events (alerts.ts raises them).
import { z } from 'zod'

export const AlertsSchema = z.object({
  /** A backup whose stored size is above this raises 'backup-size-above'. */
  sizeAboveBytes: z.number().int().positive().optional(),
  /** The storage's quota: everything under the key prefix (dumps, manifests, audit) counts. */
  storageQuotaBytes: z.number().int().positive().optional(),
  /** Storage above this fraction of storageQuotaBytes raises 'storage-quota'. @default 0.9 */
  storageQuotaFraction: z.number().gt(0).max(1).default(0.9),
  /** No successful backup within this many hours raises 'no-recent-success'. */
  noSuccessForHours: z.number().positive().optional(),
  /** The change archive's slot keeping more WAL than this raises 'archive-lag'. @default 1 GiB */
  archiveLagBytes: z.number().int().positive().optional(),
  /** …or being this many seconds behind the newest archived commit while changes wait. @default 900 (15 minutes) */
  archiveLagSeconds: z.number().positive().optional(),
  /** The change archive's slot, when no chain's base backup names it yet (a chain's manifest `changes.slot` otherwise). */
  archiveSlot: z.string().min(1).optional(),
}).strict()

export type AlertsOption = z.input<typeof AlertsSchema>
