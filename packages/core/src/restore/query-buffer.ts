// The bytes of the statement being collected (psql's query_buf). Grows by doubling, never past `limit` (the
// largest statement allowed: the caller refuses one that would not fit before appending it); after a
// statement larger than SHRINK_ABOVE it starts small again, so one huge function body does not pin its memory.

const INITIAL_SIZE = 64 * 1024
const SHRINK_ABOVE = 4 * 1024 * 1024

export class QueryBuffer {
  length = 0
  private data = Buffer.allocUnsafe(INITIAL_SIZE)

  constructor(private readonly limit: number) {}

  append(source: Buffer, start: number, end: number): void {
    const n = end - start
    if (n <= 0) return
    this.reserve(n)
    source.copy(this.data, this.length, start, end)
    this.length += n
  }

  appendByte(byte: number): void {
    this.reserve(1)
    this.data[this.length++] = byte
  }

  truncate(length: number): void {
    if (length < this.length) this.length = length
  }

  /** The collected bytes (a view, valid until the next append) and an empty buffer. */
  take(): Buffer {
    const out = this.data.subarray(0, this.length)
    this.length = 0
    if (this.data.length > SHRINK_ABOVE) this.data = Buffer.allocUnsafe(INITIAL_SIZE)
    return out
  }

  private reserve(extra: number): void {
    const need = this.length + extra
    if (need <= this.data.length) return
    let size = this.data.length * 2
    while (size < need) size *= 2
    size = Math.max(need, Math.min(size, this.limit))
    const next = Buffer.allocUnsafe(size)
    this.data.copy(next, 0, 0, this.length)
    this.data = next
  }
}
