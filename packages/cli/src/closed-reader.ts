// A reader that went away: `pgkeep dump | head` closes the pipe once head has its lines. pg_dump (and
// cat, ls, …) die of SIGPIPE there, silently, and the shell reports 141 (128 + 13). node ignores
// SIGPIPE, so the next write to stdout fails with EPIPE instead, and without a listener for it the
// process would end with a stack trace. The command stops as pg_dump does: nothing on stderr, status 141.
// Only the output's own failure counts: stdout's, or an OUTPUT_FAILED caused by EPIPE (`-f /dev/stdout`
// or a named pipe, written directly); an EPIPE on the server's connection is an ordinary error.
import { isPgkeepError } from '@pgkeep/core/engine'

/** The status a shell gives a command killed by SIGPIPE. */
export const READER_GONE = 141

export interface ReaderWatch {
  /** Whether a write to the stream failed because its reader closed it. */
  readonly gone: boolean
  /** Resolves once the stream has taken (or failed) every write made before the call. */
  settled(): Promise<void>
  dispose(): void
}

export function watchReader(stdout: NodeJS.WritableStream): ReaderWatch {
  let gone = false
  // the listener also keeps a later write's error (ERR_STREAM_DESTROYED) from ending the process
  const onError = (error: unknown) => {
    if ((error as { code?: unknown } | null)?.code === 'EPIPE') gone = true
  }
  stdout.on('error', onError)
  return {
    get gone() {
      return gone
    },
    settled() {
      // writes complete in order, so an empty one's callback comes after every earlier write's outcome
      return new Promise<void>((resolve) => {
        const stream = stdout as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean }
        if (stream.destroyed || stream.writableEnded) resolve()
        else stdout.write('', () => resolve())
      })
    },
    dispose() {
      stdout.removeListener('error', onError)
    },
  }
}

/** Whether `error` is the dump's output failing because its reader closed it (a pipe or FIFO written directly). */
export function outputReaderGone(error: unknown): boolean {
  if (!isPgkeepError(error) || error.code !== 'OUTPUT_FAILED') return false
  for (let cause: unknown = error.cause, depth = 0; cause && depth < 8; cause = (cause as { cause?: unknown }).cause, depth++) {
    if ((cause as { code?: unknown }).code === 'EPIPE') return true
  }
  return false
}
