// The rateLimit option of the manager (schema, default and types), apart from the rule that applies it
// (rate-limit.ts), so that manager-options.ts imports schemas only.
import * as z from 'zod/mini'

const windowLimit = z.strictObject({
  /** Manual backups allowed within the window. */
  max: z.number().check(z.int(), z.positive()),
  /** The sliding window, in seconds. */
  windowSeconds: z.number().check(z.int(), z.positive(), z.maximum(31 * 24 * 3600)),
})

export type WindowLimit = z.output<typeof windowLimit>

/**
 * The app's rule: at most 3 manual backups per hour (counted per actor and overall). A failed or
 * cancelled one counts too (rate-limit.ts), so a failure and a retry after its fix fit, with one to spare.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({
  perActor: Object.freeze({ max: 3, windowSeconds: 3600 }),
  overall: Object.freeze({ max: 3, windowSeconds: 3600 }),
})

/**
 * `false` turns the limit off. An object sets exactly the limits it names (a missing one is off);
 * leaving the option out applies DEFAULT_RATE_LIMIT.
 */
export const RateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({ perActor: z.optional(windowLimit), overall: z.optional(windowLimit) }),
])

export type RateLimit = { perActor?: WindowLimit; overall?: WindowLimit }
export type RateLimitOption = z.input<typeof RateLimitSchema>
