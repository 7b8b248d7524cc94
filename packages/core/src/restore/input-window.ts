// The unread part of the script: the current chunk (or what is left of the previous one, joined to the
// chunks after it when a token straddles them) and the position and line number of the next byte. Scanners
// consume by moving `pos`; only a token still being decided is ever carried into the next chunk. New chunks
// wait in a queue until `merge()`, so that a long undecided token is joined and looked at again only when
// the input behind it has doubled (see splitScript's pull): linear time, however long the token.
import { PgkeepError } from '../errors'

const EMPTY = Buffer.alloc(0)
const NUL = 0x00
const LF = 0x0a

export class InputWindow {
  buf: Buffer = EMPTY
  pos = 0
  /** 1-based line number of the byte at `pos`. */
  line = 1
  /** No more input will come. */
  eof = false
  /** Bytes received but not merged into `buf` yet. */
  queued = 0
  private queue: Buffer[] = []
  /** Offset in the script of `buf[0]`. */
  private base = 0
  private refusingNul = false

  /** Queues a chunk behind the window; the scanners see it after `merge()`. */
  push(chunk: Buffer): void {
    this.queue.push(chunk)
    this.queued += chunk.length
  }

  /** Joins the queued chunks to the bytes not consumed yet. */
  merge(): void {
    if (this.queue.length === 0) return
    const rest = this.pending
    const parts = rest > 0 ? [this.buf.subarray(this.pos), ...this.queue] : this.queue
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts, rest + this.queued)
    this.base += this.pos
    this.buf = joined
    this.pos = 0
    this.queue = []
    this.queued = 0
    if (this.refusingNul) this.checkNul(rest)
  }

  end(): void {
    this.eof = true
  }

  /** Bytes not consumed yet. */
  get pending(): number {
    return this.buf.length - this.pos
  }

  /**
   * From here on, a NUL byte anywhere in the input is SCRIPT_INVALID as soon as it is merged: SQL text and
   * text-format COPY data cannot hold one (the server ends a query string at it), and a script full of
   * them is a damaged file or a decompression bomb, not something to collect up to the statement limit.
   */
  refuseNul(): void {
    this.refusingNul = true
    this.checkNul(0)
  }

  private checkNul(from: number): void {
    const at = this.buf.indexOf(NUL, this.pos + from)
    if (at < 0) return
    let line = this.line
    for (let i = this.buf.indexOf(LF, this.pos); i >= 0 && i < at; i = this.buf.indexOf(LF, i + 1)) line++
    throw new PgkeepError('SCRIPT_INVALID', `line ${line} (byte offset ${this.base + at} of the script) holds a NUL byte, which SQL text cannot contain`, {
      hint: 'The file is damaged or is not a plain SQL script.',
    })
  }
}
