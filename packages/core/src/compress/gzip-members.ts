// Gzip output made of several members: each cut() ends the current member and starts the next, so a
// table's data can be stored as its own member and read back alone by its byte offset, while the whole
// file stays one valid gzip stream (`gunzip -c` reads every member in turn).
//
// The script side looks like a writable to ScriptOutput (write, 'drain', 'error'); every write goes
// synchronously into the current member, so a cut between two writes splits exactly there. The
// compressed side is `output`, a readable with backpressure: a slow consumer stalls the writer.
import { createHash, type Hash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { PassThrough, type Readable } from 'node:stream'
import { createGzip, type Gzip } from 'node:zlib'

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

export class GzipMembers extends EventEmitter {
  readonly members: GzipMember[] = []
  /** The compressed stream; it ends after finish(). */
  readonly output: Readable
  private readonly sink = new PassThrough({ highWaterMark: 64 * 1024 })
  private current!: Gzip
  private hash!: Hash
  private label: string | null = null
  private written = 0
  private offset = 0
  private start = 0
  private failure: Error | null = null
  private done = false

  constructor(readonly level = 6) {
    super()
    this.output = this.sink
    this.open()
  }

  /** Compressed bytes produced so far. */
  get compressedBytes(): number {
    return this.offset
  }

  write(chunk: Buffer | string): boolean {
    if (this.failure) throw this.failure
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    this.written += buffer.length
    return this.current.write(buffer)
  }

  /** Ends the current member (unless nothing was written to it) and starts one named `label`. */
  async cut(label: string | null = null): Promise<void> {
    if (this.written > 0) {
      await this.close()
      this.open()
    }
    this.label = label
  }

  /**
   * Appends a whole gzip member compressed elsewhere (a parallel dump's table), after ending the current
   * member; it takes the current label, and the next bytes written start a new member with no label.
   * `uncompressed` is asked once the last chunk was read.
   */
  async writeMember(chunks: AsyncIterable<Buffer>, uncompressed: () => number): Promise<void> {
    if (this.failure) throw this.failure
    if (this.written > 0) await this.close()
    else this.current.destroy()
    const start = this.offset
    const hash = createHash('sha256')
    for await (const chunk of chunks) {
      if (this.failure) throw this.failure
      this.offset += chunk.length
      hash.update(chunk)
      if (!this.sink.write(chunk)) await this.sinkDrained()
    }
    if (this.failure) throw this.failure
    this.members.push({ label: this.label, offset: start, length: this.offset - start, uncompressed: uncompressed(), sha256: hash.digest('hex') })
    this.label = null
    this.open()
  }

  /** Ends the last member and the output; resolves with every member. */
  async finish(): Promise<GzipMember[]> {
    if (!this.done) {
      this.done = true
      if (this.written > 0 || this.members.length === 0) await this.close()
      else this.current.destroy()
      this.sink.end()
    }
    return this.members
  }

  /** Stops everything; `output` errors with `error`. */
  destroy(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.current.destroy()
    this.sink.destroy(error)
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }

  private open(): void {
    const gzip = createGzip({ level: this.level })
    const hash = createHash('sha256')
    this.current = gzip
    this.hash = hash
    this.start = this.offset
    this.written = 0
    gzip.on('data', (chunk: Buffer) => {
      this.offset += chunk.length
      hash.update(chunk)
      if (!this.sink.write(chunk)) {
        gzip.pause()
        this.sink.once('drain', () => gzip.resume())
      }
    })
    gzip.on('drain', () => this.emit('drain'))
    gzip.on('error', (error) => this.destroy(error))
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

  private close(): Promise<void> {
    const gzip = this.current
    const hash = this.hash
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      let ended = false
      gzip.once('end', () => {
        ended = true
        this.members.push({ label: this.label, offset: this.start, length: this.offset - this.start, uncompressed: this.written, sha256: hash.digest('hex') })
        resolve()
      })
      gzip.once('error', reject)
      // Destroyed before its end (destroy() after a failure elsewhere): the member is lost.
      gzip.once('close', () => {
        if (!ended) reject(this.failure ?? new Error('the gzip member was closed before its end'))
      })
      gzip.end()
    })
  }
}
