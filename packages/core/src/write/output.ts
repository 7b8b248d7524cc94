// Writes to the destination stream with backpressure: every write waits for 'drain' when the
// stream's buffer is full, so a slow consumer slows the dump instead of growing memory.
//
// A table's rows come off the socket in pieces of about 8 kB (the server's packets): 47,000 of them for
// a 505 MB dump. A schema comes an entry at a time (2,022 writes of ~190 bytes for 940 relations) where an
// onEntry hook must see each entry written, as a backup's does; without one, write/script.ts gathers them.
// Each write to a file costs a trip to node's thread pool, about 15 µs of the main thread whatever its
// size, so writing them as they came took 0.5-0.7 s of a 3.5 s dump. Both are gathered into pieces of up
// to 256 KiB (DATA_PIECE_BYTES) instead, one copy of the bytes, in the order written; flush() sends the
// rest at the script's end. Where the destination copies each write itself into its own blocks (gzip
// members), everything goes through as it came.
import { PgkeepError } from '../errors'

/** Writes are gathered up to this many bytes before they go to the destination. */
export const DATA_PIECE_BYTES = 256 * 1024
/** A gathered piece shorter than this is written as a copy, so that the piece serves what comes next. */
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
  /** Where writes are gathered; made on first use, and again once a full one was handed out. */
  private piece: Buffer | null = null
  private pieceBytes = 0

  /** @param gather gather writes into larger pieces (not for a destination that copies every write into blocks of its own) */
  constructor(private readonly stream: DumpDestination, private readonly gather = true) {
    stream.on('error', this.onError)
  }

  /** Script text or rows, gathered with what comes next; out once DATA_PIECE_BYTES are together, or at flush(). */
  async write(chunk: string | Buffer): Promise<void> {
    if (this.failure) throw outputError(this.failure)
    if (typeof chunk === 'string') {
      if (!this.gather) {
        await this.writeBytes(Buffer.from(chunk, 'utf8'))
        return
      }
      // at most 3 bytes a UTF-16 unit: a short text is encoded straight into the piece
      const room = DATA_PIECE_BYTES - this.pieceBytes
      if (chunk.length * 3 <= room) {
        this.piece ??= Buffer.allocUnsafe(DATA_PIECE_BYTES)
        const length = this.piece.write(chunk, this.pieceBytes, 'utf8')
        this.pieceBytes += length
        this.bytes += length
        if (this.pieceBytes === DATA_PIECE_BYTES) await this.flush()
        return
      }
      chunk = Buffer.from(chunk, 'utf8')
    }
    await this.writeBytes(chunk)
  }

  private async writeBytes(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return
    if (!this.gather || chunk.length >= DATA_PIECE_BYTES) {
      await this.flush()
      this.bytes += chunk.length
      await this.send(chunk)
      return
    }
    this.bytes += chunk.length
    // what does not fit fills the piece, and the rest starts the next one
    for (let offset = 0; offset < chunk.length; ) {
      this.piece ??= Buffer.allocUnsafe(DATA_PIECE_BYTES)
      const copied = chunk.copy(this.piece, this.pieceBytes, offset)
      this.pieceBytes += copied
      offset += copied
      if (this.pieceBytes === DATA_PIECE_BYTES) await this.flush()
    }
  }

  /** Writes what was gathered so far (at the script's end). */
  async flush(): Promise<void> {
    if (this.pieceBytes === 0) return
    const gathered = this.piece!.subarray(0, this.pieceBytes)
    this.pieceBytes = 0
    if (gathered.length < SMALL_PIECE_BYTES) {
      // a short piece: a copy of its own, and the piece stays for what comes next
      await this.send(Buffer.from(gathered))
      return
    }
    // the destination may hold on to what it was given: what comes next goes into a new piece
    this.piece = null
    await this.send(gathered)
  }

  private async send(buffer: Buffer): Promise<void> {
    // a destination that failed or closed while nothing was being written emits nothing more
    if (this.failure) throw outputError(this.failure)
    if ((this.stream as { destroyed?: boolean }).destroyed === true) throw outputError(closedEarly())
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
      const onClose = () => done(this.failure ?? closedEarly())
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

/** Why a write fails when the destination closed without an error (an HTTP client that went away). */
function closedEarly(): Error {
  return new Error('the destination closed before the dump finished')
}
