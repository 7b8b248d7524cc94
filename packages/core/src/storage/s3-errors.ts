// Turns what the minio client throws into the storage error codes. Messages name the operation, the key
// and the bucket, never a credential: the secret key is scrubbed from any text that reaches a message.
import { PgkeepError, isPgkeepError } from '../errors'
import { maskable } from '../connection/redact'

/** Names of the operation's objects, for messages: `unable to upload "a.sql.gz" to bucket "b" at host:port`. */
export interface S3Target {
  action: string
  endpoint: string
  secretKey: string
}

const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT',
  'EPIPE', 'EPROTO', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
])
const DENIED = new Set([
  'AccessDenied', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired',
  'AllAccessDisabled', 'AccountProblem', 'InvalidSecurity', 'NotSignedUp', 'AuthorizationHeaderMalformed',
  'AccessKeyRequiredError', 'SecretKeyRequiredError', 'AnonymousRequestError',
])
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket'])
const INVALID = new Set(['InvalidRange', 'InvalidBucketName', 'InvalidObjectName', 'KeyTooLongError', 'InvalidArgument', 'EntityTooLarge'])

/** The S3 error code (`NoSuchKey`) or the system error code (`ECONNREFUSED`) of a minio failure. */
export function s3Code(error: unknown): string {
  if (typeof error !== 'object' || error === null) return ''
  const { code, name } = error as { code?: unknown; name?: unknown }
  if (typeof code === 'string' && code !== '') return code
  if (typeof name === 'string' && name.endsWith('Error') && name !== 'Error' && name !== 'S3Error') return name
  return ''
}

export function isUnreachable(error: unknown): boolean {
  const code = s3Code(error)
  return UNREACHABLE.has(code) || code.startsWith('ERR_SSL_') || /socket hang up/i.test(String((error as Error | undefined)?.message))
}

export function s3Error(error: unknown, target: S3Target): PgkeepError {
  if (isPgkeepError(error)) return error
  const code = s3Code(error)
  const reason = scrub(error instanceof Error ? error.message : String(error), target.secretKey)
  const said = code ? `${code}: ${reason}` : reason
  const options = { cause: error }
  if (code === 'NOT_S3') {
    return new PgkeepError('STORAGE_UNREACHABLE', `${target.action}: no S3 API at ${target.endpoint}: ${reason}`, {
      ...options,
      hint: 'check endPoint, port and useSSL: the S3 API port, not a web console\'s (MinIO: API 9000, console 9001 by default), nor a proxy\'s page',
    })
  }
  if (code === 'STALLED') {
    return new PgkeepError('STORAGE_UNREACHABLE', `${target.action}: ${reason}`, {
      ...options,
      hint: 'the endpoint, or a proxy or the network on the way, stopped sending in the middle of its answer; try again, or raise requestTimeoutMs where pauses that long are normal',
    })
  }
  if (isUnreachable(error)) {
    return new PgkeepError('STORAGE_UNREACHABLE', `${target.action}: the S3 endpoint ${target.endpoint} is unreachable (${said})`, {
      ...options,
      hint: 'check endPoint, port and useSSL, and that the storage server is running',
    })
  }
  if (DENIED.has(code)) {
    return new PgkeepError('STORAGE_ACCESS_DENIED', `${target.action}: access denied (${said})`, {
      ...options,
      hint: 'check accessKey and secretKey, and that they may read and write the bucket',
    })
  }
  if (NOT_FOUND.has(code)) return new PgkeepError('STORAGE_NOT_FOUND', `${target.action}: not found (${said})`, options)
  if (INVALID.has(code)) return new PgkeepError('STORAGE_INVALID', `${target.action}: ${said}`, options)
  if (code === 'NotImplemented') return new PgkeepError('STORAGE_UNSUPPORTED', `${target.action}: the S3 endpoint ${target.endpoint} does not implement it (${said})`, options)
  return new PgkeepError('STORAGE_FAILED', `${target.action}: ${said}`, options)
}

/**
 * An answer that began and then went silent (stall-timeout.ts), `what` naming whose ('the download',
 * 'the listing of bucket "b"'); s3Error() says STORAGE_UNREACHABLE, as for a connection reset mid-body.
 */
export function answerStalled(what: string, timeoutMs: number): Error {
  return Object.assign(new Error(`${what} stalled: no bytes came from the endpoint for ${timeoutMs} ms (requestTimeoutMs)`), { code: 'STALLED' })
}

// --- internal ---

/** The secret key's text masked where it appears, by the rule every message follows (maskable: not a short plain word). */
function scrub(text: string, secret: string): string {
  return maskable(secret) ? text.split(secret).join('[secret]') : text
}
