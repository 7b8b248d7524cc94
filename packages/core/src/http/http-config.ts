// The options of the HTTP routes, shared by every adapter and validated once: prefix, restore switch,
// history and cleanup defaults, the download-token secret, the metrics bearer token and the other origins
// a browser may send state-changing requests from.
import { randomBytes } from 'node:crypto'
import * as z from 'zod/mini'
import { parseOptions } from '../parse-options'

export const HttpConfigSchema = z.strictObject({
  /** Where the routes live. @default '/api/backup' */
  prefix: z._default(z.string().check(z.regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path like /api/backup (no trailing slash)')), '/api/backup'),
  /** The restore route exists only when true; otherwise it answers 404. @default false */
  allowRestore: z._default(z.boolean(), false),
  /** Default `limit` of the history route. @default 10 */
  historyLimit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 10),
  /** Default `daysToKeep` of the cleanup route. @default 30 */
  cleanupDaysToKeep: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(36500)), 30),
  /**
   * Signs the download tokens of folder storage (HMAC-SHA256). Give one (at least 32 characters) when
   * several instances serve the same app; left out, each process makes a random one at start.
   */
  tokenSecret: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  /** Lifetime of download URLs (presigned or token), in seconds. @default 3600 */
  downloadTtlSeconds: z._default(z.number().check(z.int(), z.minimum(10), z.maximum(604800)), 3600),
  /** A bearer token that may read the metrics route without a user (for Prometheus). */
  metricsToken: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
  /**
   * Other origins (`https://admin.example.com`) whose pages may send the state-changing requests (POST,
   * DELETE) from a browser. Without them, a browser's request from any origin but the app's own is
   * refused (403 CROSS_SITE_REQUEST); requests without `Origin` (curl, cron, servers) always pass.
   * @default []
   */
  allowedOrigins: z._default(z.array(z.pipe(
    z.string().check(z.refine(isOrigin, 'must be an origin: scheme, host and port only (https://admin.example.com)')),
    z.transform((o) => new URL(o).origin),
  )).check(z.maxLength(100)), []),
})

/** `https://host[:port]`: a scheme and a host, nothing after them. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash && !text.endsWith('#') && !text.endsWith('?')
  } catch {
    return false
  }
}

export type HttpConfig = z.input<typeof HttpConfigSchema>
export type ResolvedHttpConfig = Omit<z.output<typeof HttpConfigSchema>, 'tokenSecret'> & { tokenSecret: string }

/** The validated config, with a random token secret for this process when none is given. */
export function resolveHttpConfig(input: HttpConfig = {}): ResolvedHttpConfig {
  const parsed = parseOptions(HttpConfigSchema, input, 'http routes')
  return { ...parsed, tokenSecret: parsed.tokenSecret ?? randomBytes(32).toString('base64url') }
}
