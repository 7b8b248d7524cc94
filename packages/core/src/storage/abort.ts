// The ABORTED error of a put whose AbortSignal fired; the signal's reason stays as cause.
import { PgkeepError } from '../errors'

export function abortedError(key: string, signal: AbortSignal): PgkeepError {
  return new PgkeepError('ABORTED', `storing ${JSON.stringify(key)} was aborted`, { cause: signal.reason })
}

export function throwIfAborted(key: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(key, signal)
}
