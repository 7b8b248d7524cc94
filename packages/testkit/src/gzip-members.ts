// The gzip members of a buffer, walked one by one: tests use it to see that a table's data was written
// as several members (blocks compressed at once) and not as one.
import { inflateRawSync } from 'node:zlib'

/**
 * How many gzip members lie back to back in `buf`. Headers as zlib writes them (10 bytes, no optional
 * fields); throws when a member does not start where the previous one ended.
 */
export function gzipMemberCount(buf: Buffer): number {
  let at = 0
  let count = 0
  while (at < buf.length) {
    if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8) throw new Error(`no gzip member header at byte ${at}`)
    const { engine } = inflateRawSync(buf.subarray(at + 10), { info: true }) as unknown as { engine: { bytesWritten: number } }
    at += 10 + engine.bytesWritten + 8
    count++
  }
  if (at !== buf.length) throw new Error(`the last gzip member ends at byte ${at}, past the end (${buf.length})`)
  return count
}
