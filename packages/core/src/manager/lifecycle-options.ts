// The options of lifecycle() (lifecycle.ts writes the rule).
import * as z from 'zod/mini'

const days = z.number({ message: 'must be a number of days' }).check(z.int('must be a whole number of days'), z.minimum(1, 'must be at least 1 day'))

export const LifecycleOptionsSchema = z.strictObject({
  /** Expire (delete) objects under the backups' prefix this many days after they were written. @default null (never) */
  expireAfterDays: z._default(z.nullable(days), null),
  /** Abort unfinished multipart uploads this many days after they began. @default 1 */
  abortIncompleteUploadsAfterDays: z._default(days, 1),
  /** Take pgkeep's rule out of the bucket instead. @default false */
  remove: z._default(z.boolean(), false),
  /** Who asks, for the audit trail. */
  actor: z.optional(z.nullable(z.union([z.string(), z.number()]))),
})

export type LifecycleOptions = z.input<typeof LifecycleOptionsSchema>
