// Runs one request through the route table: find the route, refuse unless the host's authorizer (or
// the metrics or download token) lets it in, validate params, query and body with zod (400), refuse a
// route that reads stored backups when the storage does not exist (404 STORAGE_NOT_FOUND), call the
// handler, and turn any error into the JSON error answer. An adapter calls handleBackupRequest() and
// writes the RouteResult; that is all an adapter does.
import { timingSafeEqual } from 'node:crypto'
import * as z from 'zod/mini'
import { PgkeepError } from '../errors'
import type { BackupManager } from '../manager'
import { scrubSecrets } from '../connection/redact'
import { resolveActor, type AuthorizeOutcome } from './authorize'
import { verifyDownloadToken } from './download-token'
import { BackupRouteRefusal, errorResult } from './http-error'
import type { ResolvedHttpConfig } from './http-config'
import { MAX_JSON_BODY_BYTES } from './node-http'
import type { BackupAction, RouteDefinition, RouteRequest, RouteResult } from './route-types'
import { backupRoutes } from './routes'
import { storageMustExist } from './storage-exists'
import { ENGLISH } from '../zod-english'

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
    refuseCrossSite(request, ctx.config)
    const actor = await admit(route, request, match.params, ctx)
    refuseUnreadableBody(request)
    const params = route.params ? validate(route.params, match.params, 'route parameters') : match.params
    const query = route.query ? validate(route.query, request.query, 'query') : request.query
    const body = route.body ? validate(route.body, request.body, 'body') : request.body
    const manager = await managerOf(ctx)
    if (route.readsBackups) await storageMustExist(manager)
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

/** Methods that change something: a browser's cross-site request of one of these is refused. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses (403 CROSS_SITE_REQUEST) a state-changing request that a browser marks as coming from another
 * site, as Go's CrossOriginProtection does. With `Sec-Fetch-Site` (every current browser sends it, and a
 * page cannot set it): `same-origin` and `none` pass, `same-site` and `cross-site` are refused. Without it
 * (an older browser), an `Origin` must name the host the request was sent to: `Host`, or what a proxy in
 * front says it was (`X-Forwarded-Host`, `Forwarded: host=`; a browser cannot set those on a cross-site
 * request without a CORS preflight, which the routes never grant). Origins in `allowedOrigins` pass;
 * requests with neither header (curl, server-to-server, cron) pass.
 */
function refuseCrossSite(request: RouteRequest, config: ResolvedHttpConfig): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return
  const origin = request.headers.origin?.trim()
  const fetchSite = request.headers['sec-fetch-site']?.trim().toLowerCase()
  if (fetchSite === 'same-origin' || fetchSite === 'none') return
  if (origin === undefined && fetchSite === undefined) return
  const parsed = origin !== undefined ? parseOrigin(origin) : null
  if (parsed && config.allowedOrigins.includes(parsed.origin)) return
  if (fetchSite === undefined && parsed && requestHosts(request).some((host) => normalHost(host, parsed.protocol) === parsed.host)) return
  const from = origin === undefined ? 'another site' : origin === 'null' ? 'an opaque origin ("null")' : parsed ? parsed.origin : 'an unreadable origin'
  throw new BackupRouteRefusal(403, `cross-site request refused: this ${request.method.toUpperCase()} came from ${from}, not from the app's own origin; `
    + 'a browser may only call these routes from the app itself (add the origin to allowedOrigins if it is yours)', 'CROSS_SITE_REQUEST')
}

function parseOrigin(origin: string): URL | null {
  if (origin === 'null') return null
  try {
    const url = new URL(origin)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null
  } catch {
    return null
  }
}

/** The hosts the request was addressed to: Host (or HTTP/2's :authority), and what a proxy in front says it was. */
function requestHosts(request: RouteRequest): string[] {
  const h = request.headers
  const hosts = [h.host, h[':authority'], ...(h['x-forwarded-host']?.split(',') ?? [])]
  for (const m of (h.forwarded ?? '').matchAll(/(?:^|[;,\s])host="?([^";,\s]+)"?/gi)) hosts.push(m[1])
  return hosts.map((x) => x?.trim()).filter((x): x is string => Boolean(x))
}

/** `host[:port]` as a URL of `protocol` writes it (lower case, the default port left out), or null. */
function normalHost(host: string, protocol: string): string | null {
  try {
    const url = new URL(`${protocol}//${host}`)
    return url.pathname === '/' && !url.username && !url.password ? url.host : null
  } catch {
    return null
  }
}

/**
 * A body the routes cannot take: sent as something else than JSON (400 naming the content type; a form
 * or text/plain is what a cross-site page can send without asking), over the size limit (413), not JSON (400).
 */
function refuseUnreadableBody(request: RouteRequest): void {
  const sent = (request.body !== undefined || request.bodyError !== undefined) && request.headers['content-length']?.trim() !== '0'
  if (!sent) return
  const type = request.headers['content-type']
  const media = type?.split(';')[0]?.trim().toLowerCase()
  if (media !== 'application/json') {
    const given = type === undefined || type.trim() === '' ? 'no content type' : `content type ${JSON.stringify(type.length > 100 ? `${type.slice(0, 100)}…` : type)}`
    throw new PgkeepError('OPTIONS_INVALID', `invalid body: it was sent with ${given}; send a JSON body as application/json`)
  }
  if (request.bodyTooLarge) throw new PgkeepError('SIZE_LIMIT_EXCEEDED', `the body is larger than the routes' limit of ${MAX_JSON_BODY_BYTES} bytes (64 kB)`)
  if (request.bodyError !== undefined) throw new PgkeepError('OPTIONS_INVALID', `invalid body: ${request.bodyError}`)
}

function validate<T>(schema: z.core.$ZodType<T>, value: unknown, what: string): T {
  const result = z.safeParse(schema, value, { ...ENGLISH, reportInput: true })
  if (result.success) return result.data
  const issues = result.error.issues.flatMap((issue) => describeIssue(issue, what))
  throw new PgkeepError('OPTIONS_INVALID', `invalid ${what}: ${issues.join('; ')}`, { cause: result.error })
}

/** One issue as `field: what it must be, got what was sent` (an unknown field each by its name). */
function describeIssue(issue: z.core.$ZodIssue, what: string): string[] {
  const at = (path: readonly PropertyKey[]) => (path.length === 0 ? what : fieldPath(path))
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at([...issue.path, key])}: ${issue.message}`)
  const lengthMatters = (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'string'
  const sent = issue.code === 'custom' || issue.code === 'invalid_format' ? '' : `, got ${describeValue('input' in issue ? issue.input : undefined, lengthMatters)}`
  return [`${at(issue.path)}: ${issue.message}${sent}`]
}

/** `tables[0]`, `until.lsn`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}

/** What was sent, without a string's text: numbers, booleans and null as they are, anything else by its kind. */
function describeValue(value: unknown, withLength = false): string {
  if (value === undefined) return 'nothing'
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'string') return value === '' ? 'an empty string' : withLength ? `a string of ${value.length} characters` : 'a string'
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`
  return typeof value === 'object' ? 'an object' : typeof value
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
