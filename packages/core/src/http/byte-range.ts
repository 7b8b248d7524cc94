// The HTTP Range header of a download, for one range of bytes (`bytes=0-99`, `bytes=100-`, `bytes=-100`).
// Several ranges or another unit are answered with the whole file, as RFC 9110 allows.
import type { ByteRange } from '../storage/driver'

/** The inclusive range `header` asks for in an object of `size` bytes; null: send the whole file; 'unsatisfiable': 416. */
export function parseRangeHeader(header: string | undefined, size: number): Required<ByteRange> | null | 'unsatisfiable' {
  if (!header) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return null
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size || end < start) return 'unsatisfiable'
  return { start, end }
}
