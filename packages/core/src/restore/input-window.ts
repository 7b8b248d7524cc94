// The unread part of the script: the current chunk (or what is left of the previous one, joined to the
// next when a token straddles them) and the position and line number of the next byte. Scanners consume
// by moving `pos`; only a token still being decided is ever carried into the next chunk.

const EMPTY = Buffer.alloc(0)

export class InputWindow {
  buf: Buffer = EMPTY
  pos = 0
  /** 1-based line number of the byte at `pos`. */
  line = 1
  /** No more input will come. */
  eof = false

  push(chunk: Buffer): void {
    this.buf = this.pos >= this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk])
    this.pos = 0
  }

  end(): void {
    this.eof = true
  }

  /** Bytes not consumed yet. */
  get pending(): number {
    return this.buf.length - this.pos
  }
}
