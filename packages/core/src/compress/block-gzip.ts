// A stream of text compressed as consecutive gzip members of about BLOCK_BYTES each, several blocks at
// once on libuv's thread pool, as pigz does: one large table keeps every core compressing instead of
// one. RFC 1952 allows members back to back and gunzip (like node's gunzip) reads them in turn, so the
// output is still one valid gzip stream; each block costs 18 bytes of header and trailer and starts
// without the previous block's window (about 0.3% larger output at 512 KiB).
import { availableParallelism } from 'node:os'
import { gzip } from 'node:zlib'

/** Uncompressed bytes per member. */
export const BLOCK_BYTES = 512 * 1024

/** How many blocks may be compressing at once across one dump: the cores, leaving a pool thread for file I/O. */
export function defaultCompressionSlots(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4
  return Math.max(1, Math.min(availableParallelism(), pool - 1))
}

/** A counting semaphore shared by every stream of one dump, so that N tables do not start N×slots compressions. */
export class CompressionSlots {
  private free: number
  private readonly waiting: (() => void)[] = []

  constructor(readonly size = defaultCompressionSlots()) {
    this.free = size
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.free++
  }
}

/**
 * The gzip members of `source`'s bytes, in order. At most `slots.size` blocks compress at once (over
 * every stream sharing `slots`), and this stream holds at most `slots.size + 1` blocks in flight, so a
 * slow reader stops the source instead of filling memory. An error of the source or of zlib ends the
 * generator; compressions already started finish on their own and give their slot back.
 */
export async function* gzipBlocks(source: AsyncIterable<Buffer>, level: number, slots: CompressionSlots, blockBytes = BLOCK_BYTES): AsyncGenerator<Buffer> {
  const inFlight: Promise<Buffer>[] = []
  let parts: Buffer[] = []
  let size = 0
  const start = async (block: Buffer) => {
    await slots.acquire()
    const compressed = compressBlock(block, level).finally(() => slots.release())
    // Awaited in order below; until then a rejection must not count as unhandled.
    compressed.catch(() => {})
    inFlight.push(compressed)
  }
  for await (const chunk of source) {
    parts.push(chunk)
    size += chunk.length
    if (size < blockBytes) continue
    const block = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
    parts = []
    size = 0
    while (inFlight.length > slots.size) yield await inFlight.shift()!
    await start(block)
  }
  if (size > 0 || inFlight.length === 0) await start(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size))
  while (inFlight.length > 0) yield await inFlight.shift()!
}

function compressBlock(block: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // One output buffer that holds the whole member, so the block is deflated in one trip to the pool.
    const chunkSize = block.length + (block.length >> 7) + 1024
    gzip(block, { level, chunkSize }, (error, result) => {
      if (error) reject(error)
      // The result is a view of the chunkSize buffer: copied out so the spool does not keep that buffer.
      else resolve(Buffer.from(result))
    })
  })
}
