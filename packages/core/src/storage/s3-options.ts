// The options of s3Storage(), checked once when the driver is made: STORAGE_INVALID names the option and
// never repeats a credential.
import { isIPv6 } from 'node:net'
import { PgkeepError } from '../errors'
import { isValidKey } from './key'
import { DEFAULT_PART_BYTES, MAX_PART_BYTES, MIN_PART_BYTES } from './s3-part-size'

export interface S3StorageOptions {
  /** Host name or IP address of the S3 endpoint, without scheme or port: `s3.amazonaws.com`, `minio.internal`, `10.0.0.5`, `fd00::5` (or `[fd00::5]`). */
  endPoint: string
  /** @default 443 with useSSL, else 80 */
  port?: number
  /** @default true */
  useSSL?: boolean
  accessKey: string
  secretKey: string
  /** Created (private) on the first put when missing. */
  bucket: string
  /** @default asked from the endpoint (MinIO and most S3-compatible stores: us-east-1) */
  region?: string
  /** `endpoint/bucket/key` URLs instead of `bucket.endpoint/key`. @default the minio client's choice (path style except on AWS) */
  pathStyle?: boolean
  /** First part size of multipart uploads, 5 MiB to 5 GiB; parts double every 1000 parts (s3-part-size.ts). @default 8 MiB */
  partSizeBytes?: number
  /** A folder inside the bucket for every key, e.g. `pgkeep/`. @default none */
  prefix?: string
  /** Keys asked per ListObjectsV2 request, 1 to 1000. @default 1000 */
  listPageSize?: number
  /**
   * How long a request may wait, in milliseconds, for the endpoint to connect, to take the bytes sent and
   * to begin its answer; then it fails with STORAGE_UNREACHABLE (ETIMEDOUT). A download, once its answer
   * began, fails with STORAGE_UNREACHABLE when no byte comes for this long while its reader wants them
   * (an idle limit, not one on the whole download; its reader may pause); so does any other answer whose
   * body is read (a list page, an error's XML). @default 60000
   */
  requestTimeoutMs?: number
}

export interface ResolvedS3Options {
  endPoint: string
  port?: number
  useSSL: boolean
  accessKey: string
  secretKey: string
  bucket: string
  region?: string
  pathStyle?: boolean
  partSizeBytes: number
  /** '' or a folder ending in '/'. */
  prefix: string
  listPageSize: number
  requestTimeoutMs: number
}

export function resolveS3Options(input: S3StorageOptions): ResolvedS3Options {
  if (typeof input !== 'object' || input === null) throw invalid('options are missing')
  const unknown = Object.keys(input).filter((key) => !OPTION_NAMES.includes(key))
  if (unknown.length > 0) {
    // A misspelt option (usessl, pathstyle) would otherwise be ignored, and its default used in silence.
    const described = unknown.map((key) => {
      const meant = closestOption(key)
      return `\`${key}\`${meant ? ` (did you mean \`${meant}\`?)` : ''}`
    })
    throw invalid(`unknown option${unknown.length > 1 ? 's' : ''} ${described.join(', ')}`, `the options are ${OPTION_NAMES.map((n) => `\`${n}\``).join(', ')}`)
  }
  const { endPoint, port, useSSL = true, accessKey, secretKey, bucket, region, pathStyle, partSizeBytes = DEFAULT_PART_BYTES, listPageSize = 1000, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = input
  if (typeof endPoint !== 'string' || endPoint.trim() === '') throw invalid('`endPoint` must be a host name')
  // an IPv6 address is a host too (`::1`, `[fd00::5]`): its colons are no port
  const ipv6 = isIPv6(endPoint.replace(/^\[(.*)\]$/, '$1')) ? endPoint.replace(/^\[(.*)\]$/, '$1') : undefined
  if (ipv6 === undefined && /[/:]/.test(endPoint)) {
    throw invalid('`endPoint` must be a host name only, without scheme, port or path', 'use `useSSL` and `port` for the scheme and the port')
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw invalid('`port` must be a whole number from 1 to 65535')
  if (typeof useSSL !== 'boolean') throw invalid('`useSSL` must be true or false')
  if (typeof accessKey !== 'string' || accessKey === '') throw invalid('`accessKey` is missing')
  if (typeof secretKey !== 'string' || secretKey === '') throw invalid('`secretKey` is missing')
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw invalid(`\`bucket\` ${JSON.stringify(bucket)} is not a valid bucket name`, 'bucket names have 3 to 63 characters: lowercase letters, digits, dots and hyphens')
  }
  // the minio client refuses an IP address anywhere in the name (InvalidBucketNameError at the first call)
  if (/\d+\.\d+\.\d+\.\d+/.test(bucket)) {
    throw invalid(`\`bucket\` ${JSON.stringify(bucket)} is not a valid bucket name: it holds an IP address`, 'name the bucket without four dot-separated numbers')
  }
  if (region !== undefined && (typeof region !== 'string' || region === '')) throw invalid('`region` must be a non-empty string')
  if (pathStyle !== undefined && typeof pathStyle !== 'boolean') throw invalid('`pathStyle` must be true or false')
  if (!(Number.isInteger(partSizeBytes) && partSizeBytes >= MIN_PART_BYTES && partSizeBytes <= MAX_PART_BYTES)) {
    throw invalid(`\`partSizeBytes\` must be a whole number from ${MIN_PART_BYTES} (5 MiB) to ${MAX_PART_BYTES} (5 GiB)`)
  }
  if (!(Number.isInteger(listPageSize) && listPageSize >= 1 && listPageSize <= 1000)) throw invalid('`listPageSize` must be a whole number from 1 to 1000')
  if (!(Number.isInteger(requestTimeoutMs) && requestTimeoutMs >= 1 && requestTimeoutMs <= MAX_TIMEOUT_MS)) {
    throw invalid(`\`requestTimeoutMs\` must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`)
  }
  return {
    endPoint: ipv6 ?? endPoint,
    ...(port !== undefined && { port }),
    useSSL,
    accessKey,
    secretKey,
    bucket,
    ...(region !== undefined && { region }),
    ...(pathStyle !== undefined && { pathStyle }),
    partSizeBytes,
    prefix: resolvePrefix(input.prefix),
    listPageSize,
    requestTimeoutMs,
  }
}

/** How long a request waits for the endpoint by default (requestTimeoutMs). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

// --- internal ---

/** The longest delay of a Node.js timer. */
const MAX_TIMEOUT_MS = 2_147_483_647

const OPTION_NAMES: readonly string[] = [
  'endPoint', 'port', 'useSSL', 'accessKey', 'secretKey', 'bucket', 'region', 'pathStyle', 'partSizeBytes', 'prefix', 'listPageSize', 'requestTimeoutMs',
] satisfies (keyof S3StorageOptions)[]

/** The option a misspelt name most likely meant: the same letters in another case, or at most two edits away. */
function closestOption(name: string): string | null {
  const lower = name.toLowerCase().replace(/[-_]/g, '')
  const sameLetters = OPTION_NAMES.find((o) => o.toLowerCase() === lower)
  if (sameLetters) return sameLetters
  let best: { name: string; distance: number } | null = null
  for (const option of OPTION_NAMES) {
    const distance = editDistance(lower, option.toLowerCase())
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name: option, distance }
  }
  return best?.name ?? null
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

function resolvePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return ''
  const folder = typeof prefix === 'string' ? prefix.replace(/\/+$/, '') : ''
  if (!isValidKey(folder)) throw invalid(`\`prefix\` ${JSON.stringify(prefix)} is not a valid folder`, 'a prefix is a relative path such as "pgkeep/" (no "..", no leading "/")')
  return `${folder}/`
}

function invalid(problem: string, hint?: string): PgkeepError {
  return new PgkeepError('STORAGE_INVALID', `s3Storage: ${problem}`, hint === undefined ? {} : { hint })
}
