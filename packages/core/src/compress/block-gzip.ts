// A stream of text compressed as consecutive gzip members of about BLOCK_BYTES each, several blocks at
// once on libuv's thread pool, as pigz does: one large table keeps every core compressing instead of
// one. RFC 1952 allows members back to back and gunzip (like node's gunzip) reads them in turn, so the
// output is still one valid gzip stream; each block costs 18 bytes of header and trailer and starts
// without the previous block's window (the output grows by about 0.4% at 256 KiB).
//
// Memory: each slot keeps one zlib engine that is reset between blocks (a new engine per block would
// allocate its state and output buffer every 256 KiB for the collector to find), and blocks are
// assembled in the slots' spare buffers.
import { availableParallelism } from 'node:os'
import { constants, createGzip, type Gzip } from 'node:zlib'

/** Uncompressed bytes per member. */
export const BLOCK_BYTES = 256 * 1024
/** zlib's output buffer: an engine fills one before it takes the next, across blocks. */
const OUTPUT_CHUNK = 64 * 1024

/**
 * How many blocks may be compressing at once across one dump: one more than the cores, so that a core
 * is not left idle while the main thread or the server waits, and never the whole thread pool (a
 * thread stays free for file I/O). Measured on 2 cores, a 500 MB backup: 2 slots 9.1–10.3 s, 3 slots
 * 8.3–8.7 s, at the same peak RSS.
 */
export function defaultCompressionSlots(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4
  return Math.max(1, Math.min(availableParallelism() + 1, pool - 1))
}

/**
 * The compressions of one dump: a counting semaphore shared by every stream, so that N tables do not
 * start N×slots compressions, with the engines and the block buffers they reuse. close() frees
 * the engines once the dump is over.
 */
export class CompressionSlots {
  private free: number
  private readonly waiting: (() => void)[] = []
  private readonly spare: Buffer[] = []
  private readonly engines = new Map<number, BlockEngine[]>()
  private closed = false

  constructor(readonly size = defaultCompressionSlots(), readonly blockBytes = BLOCK_BYTES) {
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

  /**
   * One block as one gzip member at `level`, on a slot's engine; the compressed bytes as zlib gave them.
   * `block` is a view of a buffer from borrow() (BlockFiller's blocks, emptyBlock()); the buffer goes back
   * to the spares once deflated.
   */
  async compress(block: Buffer, level: number): Promise<Buffer[]> {
    await this.acquire()
    const free = this.engines.get(level)
    const engine = free?.pop() ?? new BlockEngine(level)
    try {
      const out = await engine.member(block)
      if (this.closed) engine.close()
      else if (free) free.push(engine)
      else this.engines.set(level, [engine])
      return out
    } catch (error) {
      engine.close()
      throw error
    } finally {
      this.giveBack(block)
      this.release()
    }
  }

  /** Frees the idle engines (and any that finish later) and the spare buffers. */
  close(): void {
    this.closed = true
    for (const engines of this.engines.values()) for (const engine of engines) engine.close()
    this.engines.clear()
    this.spare.length = 0
  }

  /** An empty block (an output with no bytes is still one gzip member). */
  emptyBlock(): Buffer {
    return this.borrow().subarray(0, 0)
  }

  /** A buffer of blockBytes to fill, spare or new. */
  borrow(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(this.blockBytes)
  }

  private giveBack(block: Buffer): void {
    // Enough spares for every stream's filling block and its blocks in flight; more would only hold memory.
    if (!this.closed && this.spare.length < 4 * (this.size + 1)) this.spare.push(Buffer.from(block.buffer, 0, this.blockBytes))
  }
}

/**
 * Copies a stream's chunks into blocks of exactly blockBytes as they come, so that the chunks (a
 * socket's buffers) are garbage at once instead of waiting, promoted, for their block to be deflated.
 * The blocks come from `blocks`: the compression slots' spares, or new buffers (write/gather-pieces.ts).
 */
export class BlockFiller {
  private buffer: Buffer | null = null
  private used = 0

  constructor(private readonly blocks: { borrow(): Buffer }) {}

  /** Bytes in the block being filled. */
  get pending(): number {
    return this.used
  }

  /** Copies `chunk` in; `full` gets each block that fills up. */
  add(chunk: Buffer, full: (block: Buffer) => void): void {
    let at = 0
    while (at < chunk.length) {
      this.buffer ??= this.blocks.borrow()
      const copied = chunk.copy(this.buffer, this.used, at)
      at += copied
      this.used += copied
      if (this.used === this.buffer.length) full(this.take()!)
    }
  }

  /** The block filled so far (null when empty); the next add() starts a new one. */
  take(): Buffer | null {
    if (!this.buffer || this.used === 0) return null
    const block = this.buffer.subarray(0, this.used)
    this.buffer = null
    this.used = 0
    return block
  }
}

/** A zlib gzip engine that writes one whole member per block: deflate to the end, then reset. */
class BlockEngine {
  private readonly engine: Gzip
  private out: Buffer[] = []
  private failure: Error | null = null

  constructor(level: number) {
    this.engine = createGzip({ level, chunkSize: OUTPUT_CHUNK })
    this.engine.on('data', (chunk: Buffer) => this.out.push(chunk))
    this.engine.on('error', (error) => (this.failure ??= error))
  }

  member(block: Buffer): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      this.engine.write(block)
      this.engine.flush(constants.Z_FINISH, () => {
        if (this.failure) return reject(this.failure)
        // Output pushed while the readable side was not flowing waits in its buffer.
        for (let chunk = this.engine.read() as Buffer | null; chunk !== null; chunk = this.engine.read() as Buffer | null) this.out.push(chunk)
        const out = this.out
        this.out = []
        ;(this.engine as Gzip & { reset(): void }).reset()
        resolve(out)
      })
    })
  }

  close(): void {
    this.engine.close()
  }
}

/**
 * The gzip members of `source`'s bytes, in order. At most `slots.size` blocks compress at once (over
 * every stream sharing `slots`), and this stream holds at most `slots.size` blocks in flight, so a
 * slow reader stops the source instead of filling memory. An error of the source or of zlib ends the
 * generator; compressions already started finish on their own and give their slot back.
 */
export async function* gzipBlocks(source: AsyncIterable<Buffer>, level: number, slots: CompressionSlots): AsyncGenerator<Buffer> {
  const inFlight: Promise<Buffer[]>[] = []
  const filler = new BlockFiller(slots)
  const blocks: Buffer[] = []
  const start = (block: Buffer) => {
    const compressed = slots.compress(block, level)
    // Awaited in order below; until then a rejection must not count as unhandled.
    compressed.catch(() => {})
    inFlight.push(compressed)
  }
  for await (const chunk of source) {
    filler.add(chunk, (block) => blocks.push(block))
    for (let block = blocks.shift(); block; block = blocks.shift()) {
      while (inFlight.length >= slots.size) yield* await inFlight.shift()!
      start(block)
    }
  }
  const last = filler.take()
  if (last || inFlight.length === 0) start(last ?? slots.emptyBlock())
  while (inFlight.length > 0) yield* await inFlight.shift()!
}
