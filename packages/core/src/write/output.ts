// Writes to the destination stream with backpressure: every write waits for 'drain' when the
// stream's buffer is full, so a slow consumer slows the dump instead of growing memory.
import { PgkeepError } from '../errors'

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

  constructor(private readonly stream: DumpDestination) {
    stream.on('error', this.onError)
  }

  async write(chunk: string | Buffer): Promise<void> {
    if (this.failure) throw outputError(this.failure)
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (buffer.length === 0) return
    this.bytes += buffer.length
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
