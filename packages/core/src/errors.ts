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
  /** The role lacks a privilege the dump needs (for example SELECT on a table). */
  'PERMISSION_DENIED',
  /** A catalog query failed. */
  'CATALOG_QUERY_FAILED',
  /** Copying a table's data out of the server failed. */
  'COPY_FAILED',
  /** The destination stream failed or closed early. */
  'OUTPUT_FAILED',
  /** The operation was cancelled through an AbortSignal. */
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
  /** A backup grew past maxSizeBytes; nothing was stored. */
  'SIZE_LIMIT_EXCEEDED',
  /** No backup has this id. */
  'BACKUP_NOT_FOUND',
  /** A stored backup or its manifest does not check out (size, hash, format). */
  'BACKUP_CORRUPT',
  /** An encrypted backup could not be opened: no passphrase or identity given fits it (a wrong or missing key), or restore() was given an age file. */
  'DECRYPTION_FAILED',
  /** A SQL script to restore is truncated or malformed: it ends inside a string, comment, statement or COPY data, or holds text psql would reject. */
  'SCRIPT_INVALID',
  /** A restore statement failed on the target; the message names the entry, SQLSTATE and line. */
  'RESTORE_FAILED',
  /** The restore target already holds objects and neither clean nor allowNonEmpty was given. */
  'TARGET_NOT_EMPTY',
  /** Too many manual backups in the window; `retryAfter` says how many seconds until the next is allowed. */
  'RATE_LIMITED',
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

export function isPgkeepError(value: unknown, code?: ErrorCode): value is PgkeepError {
  return value instanceof PgkeepError && (code === undefined || value.code === code)
}
