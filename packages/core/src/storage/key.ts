// Keys name objects the same way in every driver: `/`-separated relative paths such as
// `backups/2026/kostman-backup-2026-11-26-1764140000000.sql.gz`. One check for all drivers, so a key that
// works on disk also works in a bucket, and no key can climb out of a folder (`..`) or into the root (`/x`).
import { PgkeepError } from '../errors'

/** S3's limit on object names, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

/** Throws STORAGE_INVALID naming the key and its problem, unless `key` is a valid key. */
export function validateKey(key: string): void {
  const problem = keyProblem(key)
  if (problem) throw new PgkeepError('STORAGE_INVALID', `invalid storage key ${JSON.stringify(key)}: ${problem}`)
}

export function isValidKey(key: string): boolean {
  return keyProblem(key) === undefined
}

/**
 * A list prefix is the start of a key: empty, a folder (`backups/`) or a folder and the start of a name
 * (`backups/2026-1`). Its complete segments follow the key rules.
 */
export function validatePrefix(prefix: string): void {
  const problem = typeof prefix !== 'string' ? 'not a string' : prefix === '' ? undefined : prefixProblem(prefix)
  if (problem) throw new PgkeepError('STORAGE_INVALID', `invalid storage prefix ${JSON.stringify(prefix)}: ${problem}`)
}

/** Key order: the byte order of the keys' UTF-8, as S3 lists them. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

// --- internal ---

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string') return 'not a string'
  if (key === '') return 'it is empty'
  const common = prefixProblem(key)
  if (common) return common
  if (key.endsWith('/')) return 'it ends with "/"'
  return segmentProblem(key.slice(key.lastIndexOf('/') + 1))
}

/** The rules a prefix shares with keys; the last (partial) segment is only checked for characters. */
function prefixProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'it contains a NUL character'
  if (value.includes('\\')) return 'it contains a backslash'
  if (value.startsWith('/')) return 'it starts with "/" (keys are relative)'
  if (Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`
  const segments = value.split('/')
  segments.pop()
  for (const segment of segments) {
    const problem = segmentProblem(segment)
    if (problem) return problem
  }
  return undefined
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'it has an empty segment ("//")'
  if (segment === '.' || segment === '..') return `it has a "${segment}" segment`
  return undefined
}
