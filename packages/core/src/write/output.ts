// Writes to the destination stream with backpressure: every write waits for 'drain' when the
// stream's buffer is full, so a slow consumer slows the dump instead of growing memory.
//
// A table's rows come off the socket in pieces of about 8 kB (the server's packets): 47,000 of them for
// a 505 MB dump. Each write to a file costs a trip to node's thread pool, about 15 µs of the main thread
// whatever its size, so writing them as they came took 0.5-0.7 s of a 3.5 s dump. writeData() gathers
// them into pieces of up to 256 KiB (DATA_PIECE_BYTES) instead, one copy of the bytes; the gathered rows
// go out before anything else is written, and flushData() sends the rest at the table's end. Where the
// destination copies each write itself into its own blocks (gzip members), the rows go through as they came.
import { PgkeepError } from '../errors'

/** Rows are gathered up to this many bytes before they are written. */
export const DATA_PIECE_BYTES = 256 * 1024
/** Gathered rows shorter than this are written as a copy, so that the piece serves the next table. */
const SMALL_PIECE_BYTES = 32 * 1024

/**
 * Where a dump goes: any Node writable stream, or anything with the same write/backpressure surface
 * (write returns false when full, then 'drain'; 'error' and 'close' end it).
 */
export interface DumpDestination {
  write(chunk: Buffer): boolean
  on(event: 'drain' | 'close', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  off(event: 'drain' | 'close', listener: () => void): unknown
  off(event: 'error', listener: (error: Error) => void): unknown
}

export class ScriptOutput {
  bytes = 0
  private failure: Error | null = null
  private readonly onError = (error: Error) => {
    this.failure ??= error
  }
  /** Where writeData gathers rows; made on first use, and again once a full one was handed out. */
  private piece: Buffer | null = null
  private pieceBytes = 0

  /** @param gather gather rows into larger pieces (not for a destination that copies every write into blocks of its own) */
  constructor(private readonly stream: DumpDestination, private readonly gather = true) {
    stream.on('error', this.onError)
  }

  async write(chunk: string | Buffer): Promise<void> {
    if (this.failure) throw outputError(this.failure)
    if (this.pieceBytes > 0) await this.flushData()
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (buffer.length === 0) return
    this.bytes += buffer.length
    await this.send(buffer)
  }

  /** A piece of a table's rows: gathered with the next ones, written once DATA_PIECE_BYTES are together. */
  async writeData(chunk: Buffer): Promise<void> {
    if (this.failure) throw outputError(this.failure)
    if (!this.gather || chunk.length >= DATA_PIECE_BYTES) {
      await this.write(chunk)
      return
    }
    if (this.pieceBytes + chunk.length > DATA_PIECE_BYTES) await this.flushData()
    this.piece ??= Buffer.allocUnsafe(DATA_PIECE_BYTES)
    chunk.copy(this.piece, this.pieceBytes)
    this.pieceBytes += chunk.length
    this.bytes += chunk.length
    if (this.pieceBytes === DATA_PIECE_BYTES) await this.flushData()
  }

  /** Writes the rows gathered so far (at a table's end). */
  async flushData(): Promise<void> {
    if (this.pieceBytes === 0) return
    const gathered = this.piece!.subarray(0, this.pieceBytes)
    this.pieceBytes = 0
    if (gathered.length < SMALL_PIECE_BYTES) {
      // a small table's rows: a copy of their own, and the piece stays for the next table
      await this.send(Buffer.from(gathered))
      return
    }
    // the destination may hold on to what it was given: the next rows go into a new piece
    this.piece = null
    await this.send(gathered)
  }

  private async send(buffer: Buffer): Promise<void> {
    const ok = this.stream.write(buffer)
    if (!ok) await this.drained()
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.stream
      const done = (error?: Error) => {
        stream.off('drain', onDrain)
        stream.off('error', onFail)
        stream.off('close', onClose)
        if (error) reject(outputError(error))
        else resolve()
      }
      const onDrain = () => done()
      const onFail = (error: Error) => done(error)
      const onClose = () => done(this.failure ?? new Error('the destination closed before the dump finished'))
      stream.on('drain', onDrain)
      stream.on('error', onFail)
      stream.on('close', onClose)
    })
  }

  detach(): void {
    this.stream.off('error', this.onError)
  }
}

function outputError(cause: Error): PgkeepError {
  return cause instanceof PgkeepError ? cause : new PgkeepError('OUTPUT_FAILED', `unable to write the dump: ${cause.message}`, { cause })
}
