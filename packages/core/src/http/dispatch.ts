// Runs one request through the route table: find the route, refuse unless the host's authorizer (or
// the metrics or download token) lets it in, validate params, query and body with zod (400), call the
// handler, and turn any error into the JSON error answer. An adapter calls handleBackupRequest() and
// writes the RouteResult; that is all an adapter does.
import { timingSafeEqual } from 'node:crypto'
import type { z } from 'zod'
import { PgkeepError } from '../errors'
import type { BackupManager } from '../manager'
import { scrubSecrets } from '../connection/redact'
import { resolveActor, type AuthorizeOutcome } from './authorize'
import { verifyDownloadToken } from './download-token'
import { BackupRouteRefusal, errorResult } from './http-error'
import type { ResolvedHttpConfig } from './http-config'
import type { BackupAction, RouteDefinition, RouteRequest, RouteResult } from './route-types'
import { backupRoutes } from './routes'

export interface BackupRequestContext {
  /** The manager (or a function that makes it on first use). */
  manager: BackupManager | (() => BackupManager | Promise<BackupManager>)
  config: ResolvedHttpConfig
  /** The host's decision for this request; leaving it out refuses every authorizer route (403). */
  authorize?: (action: BackupAction) => Promise<AuthorizeOutcome> | AuthorizeOutcome
  /** Texts never to send (database URL, S3 secret key, passphrases): masked in error messages. */
  secrets?: readonly (string | undefined)[]
  /** Where errors that answer 5xx are reported (default console.error). */
  log?: (error: unknown) => void
  routes?: readonly RouteDefinition[]
}

export interface RouteMatch {
  route: RouteDefinition
  params: Record<string, string>
}

/** The route for `method` and `path` (below the prefix), or null; `methodMismatch` when the path exists with another method. */
export function matchRoute(method: string, path: string, routes: readonly RouteDefinition[] = backupRoutes): RouteMatch | null {
  const segments = splitPath(path)
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue
    const pattern = splitPath(route.path)
    if (pattern.length !== segments.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!
      const s = segments[i]!
      if (p.startsWith(':')) params[p.slice(1)] = safeDecode(s)
      else if (p !== s) {
        ok = false
        break
      }
    }
    if (ok) return { route, params }
  }
  return null
}

/** The whole request: match, authorize, validate, handle; every failure as a JSON error answer. */
export async function handleBackupRequest(request: RouteRequest, ctx: BackupRequestContext): Promise<RouteResult> {
  const secrets = ctx.secrets ?? []
  const scrub = (text: string) => scrubSecrets(text, secrets)
  const log = ctx.log ?? ((error: unknown) => console.error('[pgkeep]', error))
  try {
    const match = matchRoute(request.method, request.path, ctx.routes ?? backupRoutes)
    if (!match || (match.route.enabled && !match.route.enabled(ctx.config))) throw new BackupRouteRefusal(404, 'Not found')
    const { route } = match
    const actor = await admit(route, request, match.params, ctx)
    if (request.bodyError !== undefined) throw new PgkeepError('OPTIONS_INVALID', `invalid body: ${request.bodyError}`)
    const params = route.params ? validate(route.params, match.params, 'route parameters') : match.params
    const query = route.query ? validate(route.query, request.query, 'query') : request.query
    const body = route.body ? validate(route.body, request.body, 'body') : request.body
    const manager = await managerOf(ctx)
    return await route.handle({ params, query, body, actor, request, manager, config: ctx.config, scrub })
  } catch (error) {
    return errorResult(error, secrets, log)
  }
}

// --- internal ---

/** The manager; one that cannot be made (the app's configuration) is the server's failure, not the caller's. */
async function managerOf(ctx: BackupRequestContext): Promise<BackupManager> {
  if (typeof ctx.manager !== 'function') return ctx.manager
  try {
    return await ctx.manager()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new PgkeepError('INTERNAL', `the backup manager could not be created from the app's configuration: ${reason}`, { cause: error })
  }
}

async function admit(route: RouteDefinition, request: RouteRequest, params: Record<string, string>, ctx: BackupRequestContext): Promise<string | number | null> {
  if (route.auth === 'token') {
    const token = request.query.token
    const check = token ? verifyDownloadToken(token, params.id ?? '', ctx.config.tokenSecret) : { ok: false as const, reason: 'missing' }
    if (!check.ok) throw new BackupRouteRefusal(403, check.reason === 'expired' ? 'This download link has expired; ask for a new one' : 'This download link is not valid', 'TOKEN_INVALID')
    return check.claims.actor
  }
  if (route.auth === 'metrics' && ctx.config.metricsToken && bearerMatches(request.headers.authorization, ctx.config.metricsToken)) return null
  return resolveActor(route.action, ctx.authorize)
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null
  if (!m) return false
  const given = Buffer.from(m[1]!, 'utf8')
  const expected = Buffer.from(token, 'utf8')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`)
  throw new PgkeepError('OPTIONS_INVALID', `invalid ${what}: ${issues.join('; ')}`, { cause: result.error })
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '')
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
