// Byte ranges of get(): [start, end] inclusive, as HTTP Range headers count them.
import { PgkeepError } from '../errors'
import type { ByteRange } from './driver'

/** Throws STORAGE_INVALID unless start and end are whole numbers with 0 ≤ start ≤ end. */
export function validateRange(key: string, range: ByteRange | undefined): void {
  if (range === undefined) return
  const { start, end } = range
  const ok = Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start))
  if (!ok) {
    throw new PgkeepError('STORAGE_INVALID', `invalid byte range ${JSON.stringify({ start, end })} for ${JSON.stringify(key)}: expected 0 ≤ start ≤ end, whole numbers`)
  }
}

/** The error for a range that starts at or past the end of the object. */
export function rangeNotSatisfiable(key: string, start: number, size?: number): PgkeepError {
  const of = size === undefined ? '' : ` (${size} bytes)`
  return new PgkeepError('STORAGE_INVALID', `byte range starting at ${start} is past the end of ${JSON.stringify(key)}${of}`)
}
