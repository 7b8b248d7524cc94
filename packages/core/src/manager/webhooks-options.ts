// The webhooks option of the manager: which URLs are POSTed when, with what timeout and retries (webhooks.ts delivers).
import * as z from 'zod/mini'

const hookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

export const WebhooksSchema = z.strictObject({
  /** POSTed when a backup starts. */
  start: z.optional(hookUrl),
  /** POSTed when a backup is stored. */
  success: z.optional(hookUrl),
  /** POSTed when a backup fails. */
  failure: z.optional(hookUrl),
  /** Time for one attempt, response included. @default 10000 */
  timeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(120_000)), 10_000),
  /** Further attempts after a failed one (network error, timeout, non-2xx status). @default 2 */
  retries: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10)), 2),
  /** Which backups notify. @default ['manual', 'scheduled'] */
  types: z._default(z.array(z.enum(['manual', 'scheduled'])).check(z.minLength(1)), ['manual', 'scheduled']),
})

export type WebhooksOption = z.input<typeof WebhooksSchema>
