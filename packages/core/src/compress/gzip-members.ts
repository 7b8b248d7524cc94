// Gzip output made of several members: each cut() ends the current member and starts the next, so a
// table's data can be stored as its own member and read back alone by its byte offset, while the whole
// file stays one valid gzip stream (`gunzip -c` reads every member in turn).
//
// The script side looks like a writable to ScriptOutput (write, 'drain', 'error'); every write goes
// synchronously into the current member, so a cut between two writes splits exactly there. A member's
// bytes are compressed in blocks (compress/block-gzip.ts) several at once on the thread pool, so even a
// dump that copies one table at a time keeps every core compressing; a member of the manifest is then
// the range of its blocks, itself valid gzip. The compressed side is `output`, a readable with
// backpressure: a slow consumer stalls the writer.
import { createHash, type Hash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { PassThrough, type Readable } from 'node:stream'
import { BlockFiller, CompressionSlots } from './block-gzip'

export interface GzipMember {
  /** What the caller named the member (e.g. a table), or null. */
  label: string | null
  /** Offset of the member's first compressed byte in the output. */
  offset: number
  /** Compressed length in bytes. */
  length: number
  /** Uncompressed bytes written into it. */
  uncompressed: number
  /** sha256 of its compressed bytes. */
  sha256: string
}

/** What the pump writes to the output, in order. */
type Item =
  | { kind: 'block'; compressed: Promise<Buffer[]> }
  | { kind: 'end'; label: string | null; uncompressed: number }
  | { kind: 'member'; label: string | null; chunks: AsyncIterable<Buffer>; uncompressed: () => number; done: Settle }

interface Settle {
  resolve: () => void
  reject: (error: Error) => void
}

export class GzipMembers extends EventEmitter {
  readonly members: GzipMember[] = []
  /** The compressed stream; it ends after finish(). */
  readonly output: Readable
  /** The compressions at once of this output, shared with whatever compresses members for it (a parallel dump). */
  readonly slots: CompressionSlots
  private readonly sink = new PassThrough({ highWaterMark: 64 * 1024 })
  private readonly queue: Item[] = []
  private readonly filler: BlockFiller
  private label: string | null = null
  /** Uncompressed bytes of the current member. */
  private written = 0
  private offset = 0
  private hash: Hash = createHash('sha256')
  private memberStart = 0
  private blocksQueued = 0
  private needDrain = false
  private wakePump: (() => void) | null = null
  private readonly roomWaiters: (() => void)[] = []
  private failure: Error | null = null
  private finishing = false
  private readonly pumped: Promise<void>

  private readonly ownSlots: boolean

  constructor(readonly level = 6, slots?: CompressionSlots) {
    super()
    this.output = this.sink
    this.slots = slots ?? new CompressionSlots()
    this.ownSlots = slots === undefined
    this.filler = new BlockFiller(this.slots)
    this.pumped = this.pump()
    // pump() rejects only after destroy(), whose error goes to `output` and 'error'.
    this.pumped.catch(() => {})
  }

  /** Compressed bytes produced so far. */
  get compressedBytes(): number {
    return this.offset
  }

  write(chunk: Buffer | string): boolean {
    if (this.failure) throw this.failure
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (buffer.length === 0) return !this.full()
    this.written += buffer.length
    this.filler.add(buffer, (block) => this.sendBlock(block))
    if (!this.full()) return true
    this.needDrain = true
    return false
  }

  /** Ends the current member (unless nothing was written to it) and starts one named `label`. */
  async cut(label: string | null = null): Promise<void> {
    if (this.failure) throw this.failure
    this.endMember()
    this.label = label
    await this.room()
  }

  /**
   * Appends a whole gzip member compressed elsewhere (a parallel dump's table), after ending the current
   * member; it takes the current label, and the next bytes written start a new member with no label.
   * `uncompressed` is asked once the last chunk was read. Resolves once the member is in the output.
   */
  async writeMember(chunks: AsyncIterable<Buffer>, uncompressed: () => number): Promise<void> {
    if (this.failure) throw this.failure
    this.endMember()
    const done = new Promise<void>((resolve, reject) => this.push({ kind: 'member', label: this.label, chunks, uncompressed, done: { resolve, reject } }))
    this.label = null
    await done
  }

  /** Ends the last member and the output; resolves with every member. */
  async finish(): Promise<GzipMember[]> {
    if (this.failure) throw this.failure
    if (!this.finishing) {
      this.finishing = true
      if (this.written === 0 && this.members.length === 0 && !this.queue.some((i) => i.kind !== 'block')) {
        // A file with nothing in it is still one (empty) gzip member.
        this.sendBlock(this.slots.emptyBlock())
        this.push({ kind: 'end', label: this.label, uncompressed: 0 })
      } else {
        this.endMember()
      }
      this.wake()
    }
    await this.pumped
    return this.members
  }

  /** Stops everything; `output` errors with `error`. */
  destroy(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.filler.take()
    this.sink.destroy(error)
    for (const item of this.queue) if (item.kind === 'member') item.done.reject(error)
    this.queue.length = 0
    if (this.ownSlots) this.slots.close()
    this.wake()
    this.releaseRoom()
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }

  /** Too much is waiting to be written: the writer should wait for 'drain'. */
  private full(): boolean {
    return this.blocksQueued > this.slots.size
  }

  private sendBlock(block: Buffer): void {
    const compressed = this.slots.compress(block, this.level)
    compressed.catch(() => {})
    this.blocksQueued++
    this.push({ kind: 'block', compressed })
  }

  private endMember(): void {
    if (this.written === 0) return
    const last = this.filler.take()
    if (last) this.sendBlock(last)
    this.push({ kind: 'end', label: this.label, uncompressed: this.written })
    this.written = 0
  }

  private push(item: Item): void {
    this.queue.push(item)
    this.wake()
  }

  private wake(): void {
    const pump = this.wakePump
    this.wakePump = null
    pump?.()
  }

  /** Resolves once fewer blocks wait than the limit (at once when not full). */
  private room(): Promise<void> {
    if (!this.full() || this.failure) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  private releaseRoom(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve()
    if (this.needDrain && !this.failure) {
      this.needDrain = false
      this.emit('drain')
    }
  }

  /** Writes the queue to the output in order, for the life of this object. */
  private async pump(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure
      const item = this.queue.shift()
      if (!item) {
        if (this.finishing) break
        await new Promise<void>((resolve) => (this.wakePump = resolve))
        continue
      }
      try {
        if (item.kind === 'block') {
          const chunks = await item.compressed
          this.blocksQueued--
          if (!this.full()) this.releaseRoom()
          for (const chunk of chunks) await this.send(chunk)
        } else if (item.kind === 'end') {
          this.record(item.label, item.uncompressed)
        } else {
          for await (const chunk of item.chunks) await this.send(chunk)
          if (this.failure) throw this.failure
          this.record(item.label, item.uncompressed())
          item.done.resolve()
        }
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error))
        if (item.kind === 'member') item.done.reject(failure)
        this.destroy(failure)
        throw failure
      }
    }
    this.sink.end()
    if (this.ownSlots) this.slots.close()
  }

  private async send(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure
    this.offset += chunk.length
    this.hash.update(chunk)
    if (!this.sink.write(chunk)) await this.sinkDrained()
  }

  private record(label: string | null, uncompressed: number): void {
    this.members.push({ label, offset: this.memberStart, length: this.offset - this.memberStart, uncompressed, sha256: this.hash.digest('hex') })
    this.memberStart = this.offset
    this.hash = createHash('sha256')
  }

  private sinkDrained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.sink.off('drain', done)
        this.sink.off('close', done)
        if (this.failure) reject(this.failure)
        else if (this.sink.destroyed) reject(new Error('the compressed output was closed'))
        else resolve()
      }
      this.sink.on('drain', done)
      this.sink.on('close', done)
    })
  }
}
