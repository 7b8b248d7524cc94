// Turns whatever a route threw into the JSON error answer: PgkeepErrors by their code through the one
// status table of core (httpStatusOf), refusals of the authorizer as 401/403, anything else as a bare
// 500. Bodies are `{ statusCode, message, code }`: no stack, no cause, no connection string, no secret.
import { isPgkeepError } from '../errors'
import { scrubSecrets } from '../connection/redact'
import { httpStatusOf } from './error-status'
import type { BackupAction, ErrorBody, RouteResult } from './route-types'

/**
 * Codes of refusals that come from the HTTP layer, not from the manager. CROSS_SITE_REQUEST: a browser
 * sent a state-changing request from another site (403, whoever is signed in).
 */
export type HttpRefusalCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'ROUTE_NOT_FOUND' | 'TOKEN_INVALID' | 'CROSS_SITE_REQUEST'

/** A refusal an authorizer (or the routes) may throw: 401 no user, 403 not allowed, 404 no such route. */
export class BackupRouteRefusal extends Error {
  override name = 'BackupRouteRefusal'
  constructor(readonly statusCode: 401 | 403 | 404, message: string, readonly code: HttpRefusalCode = codeOfStatus(statusCode)) {
    super(message)
  }
}

/** For an authorizer: refuse with 401 (`'unauthenticated'`) or 403 (`'forbidden'`), optionally with a message of the app's. */
export function refuseBackupAccess(kind: 'unauthenticated' | 'forbidden', message?: string): BackupRouteRefusal {
  return kind === 'unauthenticated'
    ? new BackupRouteRefusal(401, message ?? 'Sign in to manage backups')
    : new BackupRouteRefusal(403, message ?? 'Not allowed')
}

/** The 403 message per action: "Only administrators can create backups". */
export const FORBIDDEN_MESSAGES: Record<BackupAction, string> = {
  backup: 'Only administrators can create backups',
  history: 'Only administrators can view the backup history',
  download: 'Only administrators can download backups',
  cleanup: 'Only administrators can clean up backups',
  verify: 'Only administrators can verify backups',
  remove: 'Only administrators can delete backups',
  pin: 'Only administrators can pin backups',
  restore: 'Only administrators can restore backups',
  metrics: 'Only administrators can read backup metrics',
  events: 'Only administrators can follow backup progress',
  compare: 'Only administrators can compare backups',
}

/**
 * The JSON answer for `error`. `secrets` are masked out of the message (the database URL, S3 keys, …);
 * errors that are not pgkeep's or the routes' answer "Internal error" and are left to `log`.
 */
export function errorResult(error: unknown, secrets: readonly (string | undefined)[] = [], log?: (error: unknown) => void): RouteResult {
  if (error instanceof BackupRouteRefusal) return errorJson(error.statusCode, error.message, error.code)
  if (isPgkeepError(error)) {
    const status = httpStatusOf(error)
    if (status >= 500) log?.(error)
    const headers: Record<string, string> = {}
    if (error.code === 'RATE_LIMITED') headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter ?? 60)))
    return { ...errorJson(status, scrubSecrets(error.message, secrets), error.code), headers }
  }
  log?.(error)
  return errorJson(500, 'Internal error', 'INTERNAL')
}

export function errorJson(statusCode: number, message: string, code: string): RouteResult & { kind: 'json' } {
  const body: ErrorBody = { statusCode, message, code }
  return { kind: 'json', status: statusCode, headers: {}, json: body }
}

function codeOfStatus(status: 401 | 403 | 404): HttpRefusalCode {
  return status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : 'ROUTE_NOT_FOUND'
}
