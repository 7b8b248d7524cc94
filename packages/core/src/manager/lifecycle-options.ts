// The options of lifecycle() (lifecycle.ts writes the rule).
import { z } from 'zod'

const days = z.number({ message: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day')

export const LifecycleOptionsSchema = z
  .object({
    /** Expire (delete) objects under the backups' prefix this many days after they were written. @default null (never) */
    expireAfterDays: days.nullable().default(null),
    /** Abort unfinished multipart uploads this many days after they began. @default 1 */
    abortIncompleteUploadsAfterDays: days.default(1),
    /** Take pgkeep's rule out of the bucket instead. @default false */
    remove: z.boolean().default(false),
    /** Who asks, for the audit trail. */
    actor: z.union([z.string(), z.number()]).nullable().optional(),
  })
  .strict()

export type LifecycleOptions = z.input<typeof LifecycleOptionsSchema>
