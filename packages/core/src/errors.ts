// One error type for everything pgkeep throws. `code` is public API: documented in the README,
// never renamed. The original error (pg's DatabaseError, an fs error, …) stays as `cause`.

export const ERROR_CODES = [
  /** Options failed validation; the message names the field. */
  'OPTIONS_INVALID',
  /** A connection string or its environment could not be understood. */
  'CONNECTION_INVALID',
  /** The server could not be reached or refused the connection (authentication, missing database). */
  'CONNECT_FAILED',
  /** The server's major version is outside the supported range (13 to 18). */
  'SERVER_VERSION_UNSUPPORTED',
  /** A schema or table pattern matched nothing. */
  'PATTERN_NO_MATCH',
  /** A table could not be locked within the lock-wait timeout. */
  'LOCK_TIMEOUT',
  /** The server ran out of a configured resource (its shared lock table: max_locks_per_transaction); the hint names the setting and the value needed. */
  'SERVER_LIMIT',
  /**
   * The *database role* lacks a privilege the dump needs (for example SELECT on a table). It is about
   * pgkeep's connection, not about whoever called pgkeep: an HTTP adapter answers 500, not 403.
   */
  'PERMISSION_DENIED',
  /** A catalog query failed. */
  'CATALOG_QUERY_FAILED',
  /** Copying a table's data out of the server failed. */
  'COPY_FAILED',
  /** The destination stream failed or closed early. */
  'OUTPUT_FAILED',
  /** The operation was cancelled through an AbortSignal (or a backup handle's cancel()), or a download was closed before its end. */
  'ABORTED',
  /** Storage options are invalid or a key is not acceptable (empty, absolute, escaping the root). */
  'STORAGE_INVALID',
  /** The storage endpoint could not be reached. */
  'STORAGE_UNREACHABLE',
  /** The storage refused the credentials or lacks a permission (bucket, object). */
  'STORAGE_ACCESS_DENIED',
  /** The object (or bucket) does not exist. */
  'STORAGE_NOT_FOUND',
  /** The storage cannot do what was asked: a lifecycle rule on a folder, an S3 endpoint that does not implement it. */
  'STORAGE_UNSUPPORTED',
  /** Any other storage failure: write, read, list, remove, presign. */
  'STORAGE_FAILED',
  /** A backup grew past maxSizeBytes (nothing was stored), or a request body past the routes' 64 kB. */
  'SIZE_LIMIT_EXCEEDED',
  /** No backup has this id. */
  'BACKUP_NOT_FOUND',
  /** A stored backup or its manifest does not check out (size, hash, format). */
  'BACKUP_CORRUPT',
  /**
   * A backup is refused under the manager's signing key: unsigned while signing is required, signed
   * with a key id that is not configured, or tampered with (its manifest does not match its signature,
   * or its bytes do not match the signed checksums). The message names the backup and which.
   */
  'BACKUP_UNTRUSTED',
  /** An encrypted backup could not be opened: no passphrase or identity given fits it (a wrong or missing key), or restore() was given an age file. */
  'DECRYPTION_FAILED',
  /** A SQL script to restore is truncated or malformed: it ends inside a string, comment, statement or COPY data, or holds text psql would reject. */
  'SCRIPT_INVALID',
  /**
   * Strict restore refused a statement that pg_dump and pgkeep never write (COPY … FROM PROGRAM, a DO block,
   * ALTER SYSTEM, …); the message names the line, the entry and the rule. Nothing was applied.
   */
  'SCRIPT_REFUSED',
  /** A restore statement failed on the target; the message names the entry, SQLSTATE and line. */
  'RESTORE_FAILED',
  /** The restore target already holds objects and neither clean nor allowNonEmpty was given. */
  'TARGET_NOT_EMPTY',
  /** Too many manual backups in the window; `retryAfter` says how many seconds until the next is allowed. */
  'RATE_LIMITED',
  /**
   * The operation conflicts with one in progress: a schedule already running on this manager, a backup
   * or cleanup busy. Nothing was done; it can be tried again once the other has finished.
   */
  'CONFLICT',
  /** An invariant inside pgkeep did not hold; a bug. */
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface PgkeepErrorOptions {
  cause?: unknown
  /** A sentence that tells the user what to do about it. */
  hint?: string
  /** RATE_LIMITED: seconds until the operation is allowed again. */
  retryAfter?: number
}

export class PgkeepError extends Error {
  override name = 'PgkeepError'
  readonly code: ErrorCode
  readonly hint?: string
  readonly retryAfter?: number

  constructor(code: ErrorCode, message: string, options: PgkeepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options.hint !== undefined) this.hint = options.hint
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter
  }
}

/**
 * The HTTP status for each code, for adapters (Nuxt, Express) to read, so that they cannot disagree.
 * 4xx: the caller can do something about it (other input, later, another id); 5xx: the server side
 * (configuration, database, storage, a bug). Notes on the less obvious ones:
 * - PERMISSION_DENIED is the database role's privilege, not the HTTP caller's: 500, never 403.
 * - ABORTED is 400: the cancellation comes from the caller (its signal, a cancel()). 499 is nginx's own
 *   and in no registry; 408 invites automatic retries, which for a backup would start another one.
 * - SCRIPT_INVALID is 500: through the manager a script only ever comes from storage (a damaged backup).
 *   SCRIPT_REFUSED likewise (a backup someone with write access to the storage altered).
 * - STORAGE_UNSUPPORTED is 501: the store cannot do it (presign on a folder, lifecycle rules).
 */
export const ERROR_STATUS = {
  OPTIONS_INVALID: 400,
  CONNECTION_INVALID: 500,
  CONNECT_FAILED: 503,
  SERVER_VERSION_UNSUPPORTED: 500,
  PATTERN_NO_MATCH: 400,
  LOCK_TIMEOUT: 503,
  SERVER_LIMIT: 500,
  PERMISSION_DENIED: 500,
  CATALOG_QUERY_FAILED: 500,
  COPY_FAILED: 500,
  OUTPUT_FAILED: 500,
  ABORTED: 400,
  STORAGE_INVALID: 500,
  STORAGE_UNREACHABLE: 503,
  STORAGE_ACCESS_DENIED: 500,
  STORAGE_NOT_FOUND: 404,
  STORAGE_UNSUPPORTED: 501,
  STORAGE_FAILED: 500,
  SIZE_LIMIT_EXCEEDED: 413,
  BACKUP_NOT_FOUND: 404,
  BACKUP_CORRUPT: 500,
  BACKUP_UNTRUSTED: 500,
  DECRYPTION_FAILED: 500,
  SCRIPT_INVALID: 500,
  SCRIPT_REFUSED: 500,
  RESTORE_FAILED: 500,
  TARGET_NOT_EMPTY: 409,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>

/** The HTTP status of an error: ERROR_STATUS for a PgkeepError, 500 for anything else. */
export function httpStatusOf(error: unknown): number {
  return error instanceof PgkeepError ? (ERROR_STATUS[error.code] ?? 500) : 500
}

const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['OPTIONS_INVALID', 'RATE_LIMITED', 'TARGET_NOT_EMPTY', 'BACKUP_NOT_FOUND', 'PATTERN_NO_MATCH', 'CONFLICT'])

/**
 * Whether a code means "not allowed / not now / no such thing" (the request was refused before anything
 * broke) rather than a failure. The audit trail records these with the outcome 'refused'.
 */
export function isRefusal(code: ErrorCode): boolean {
  return REFUSALS.has(code)
}

export function isPgkeepError(value: unknown, code?: ErrorCode): value is PgkeepError {
  return value instanceof PgkeepError && (code === undefined || value.code === code)
}
