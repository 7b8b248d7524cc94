// The webhooks option of the manager: which URLs are POSTed when, with what timeout and retries (webhooks.ts delivers).
import { z } from 'zod'

const hookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

export const WebhooksSchema = z.object({
  /** POSTed when a backup starts. */
  start: hookUrl.optional(),
  /** POSTed when a backup is stored. */
  success: hookUrl.optional(),
  /** POSTed when a backup fails. */
  failure: hookUrl.optional(),
  /** Time for one attempt, response included. @default 10000 */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Further attempts after a failed one (network error, timeout, non-2xx status). @default 2 */
  retries: z.number().int().min(0).max(10).default(2),
  /** Which backups notify. @default ['manual', 'scheduled'] */
  types: z.array(z.enum(['manual', 'scheduled'])).min(1).default(['manual', 'scheduled']),
}).strict()

export type WebhooksOption = z.input<typeof WebhooksSchema>
