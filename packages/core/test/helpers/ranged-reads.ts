// What an S3 endpoint says was read of one object, from its own request log (the testkit's s3rver with
// recordRequests): every GET of the object, its Range header and the body bytes the server sent. The
// evidence for "a selective restore reads only these members" that does not come from the code under test.
import type { S3Request } from '@pgkeep/testkit'
import { expect } from 'vitest'
import type { BackupManifest } from '../../src/index'

export interface ObjectReads {
  /** One entry per GET of the object: the byte range asked for (inclusive), or null for a whole-object GET. */
  gets: { range: { start: number; end: number } | null; status: number | undefined; bytesSent: number }[]
  /** Body bytes the server sent for the object, over all GETs. */
  bytesSent: number
}

/** The GETs of `/bucket/key` in the log. */
export function readsOf(log: readonly S3Request[], bucket: string, key: string): ObjectReads {
  const path = `/${bucket}/${key}`
  const gets = log
    .filter((r) => r.method === 'GET' && safeDecode(r.path) === path)
    .map((r) => ({ range: parseRange(r.range), status: r.status, bytesSent: r.bytesSent ?? 0 }))
  return { gets, bytesSent: gets.reduce((n, g) => n + g.bytesSent, 0) }
}

/**
 * Asserts that the reads cover exactly the given members: every GET is ranged (206, the range's length
 * sent), no byte outside the members is read, and every byte of them is.
 */
export function expectReadsOfMembers(reads: ObjectReads, members: readonly BackupManifest['members'][number][]): void {
  expect(reads.gets.length).toBeGreaterThan(0)
  for (const get of reads.gets) {
    expect(get.range, 'a GET of the whole object').not.toBeNull()
    expect(get.status).toBe(206)
    expect(get.bytesSent).toBe(get.range!.end - get.range!.start + 1)
  }
  const wanted = members.filter((m) => m.length > 0).map((m) => ({ start: m.offset, end: m.offset + m.length - 1 }))
  const read = reads.gets.map((g) => g.range!)
  for (const r of read) {
    const outside = uncovered(r, wanted)
    expect(outside, `bytes ${r.start}-${r.end} read beyond the members`).toEqual([])
  }
  for (const m of wanted) {
    expect(uncovered(m, read), `member at ${m.start}-${m.end} not read`).toEqual([])
  }
}

// --- internal ---

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

function parseRange(header: string | undefined): { start: number; end: number } | null {
  const match = header && /^bytes=(\d+)-(\d+)$/.exec(header)
  return match ? { start: Number(match[1]), end: Number(match[2]) } : null
}

/** The parts of `span` that no range in `by` covers. */
function uncovered(span: { start: number; end: number }, by: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  let left = [span]
  for (const b of by) {
    left = left.flatMap((s) => {
      if (b.end < s.start || b.start > s.end) return [s]
      const parts: { start: number; end: number }[] = []
      if (b.start > s.start) parts.push({ start: s.start, end: b.start - 1 })
      if (b.end < s.end) parts.push({ start: b.end + 1, end: s.end })
      return parts
    })
  }
  return left
}
