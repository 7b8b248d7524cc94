// The ABORTED error of a put whose AbortSignal fired; the signal's reason stays as cause.
import { PgkeepError } from '../errors'

export function abortedError(key: string, signal: AbortSignal): PgkeepError {
  return new PgkeepError('ABORTED', `storing ${JSON.stringify(key)} was aborted`, { cause: signal.reason })
}

export function throwIfAborted(key: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(key, signal)
}

/**
 * Waits for `pending`, or rejects with ABORTED as soon as the signal fires (`pending` goes on: it may be
 * shared with other puts, such as the creation of the bucket).
 */
export function abortable<T>(key: string, pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? untilAborted(pending, signal, () => abortedError(key, signal)) : pending
}

/** Settles as `pending` does, or rejects with `reason()` as soon as the signal fires, without waiting for `pending` (which may never settle). */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal, reason: () => unknown = () => signal.reason): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason())
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
