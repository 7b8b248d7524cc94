// Reads a put() body (a Node stream or any async iterable) chunk by chunk, as Buffers, and stops at once
// when the signal fires, also while the body is waiting for data. On an early exit (failure, abort) the
// body is destroyed, as pipeline() would, so that its producer learns that nobody reads any more.
import { Readable } from 'node:stream'
import { PgkeepError, isPgkeepError } from '../errors'
import { abortedError, untilAborted } from './abort'

export type PutBody = NodeJS.ReadableStream | AsyncIterable<Uint8Array>

/** Yields the body's bytes. Throws ABORTED on the signal, and the body's own failure as bodyFailed(). */
export async function* readBody(key: string, body: PutBody, signal: AbortSignal | undefined): AsyncGenerator<Buffer, void, undefined> {
  const iterator = iterate(body)
  let finished = false
  try {
    for (;;) {
      if (signal?.aborted) throw abortedError(key, signal)
      let next: IteratorResult<unknown>
      try {
        next = signal ? await untilAborted(iterator.next(), signal) : await iterator.next()
      } catch (error) {
        if (signal?.aborted) throw abortedError(key, signal)
        throw bodyFailed(key, error)
      }
      if (next.done) {
        finished = true
        return
      }
      const chunk = toBuffer(next.value)
      if (chunk === undefined) throw bodyFailed(key, new TypeError(`the body yielded a ${typeof next.value}, not bytes`))
      if (chunk.length > 0) yield chunk
    }
  } finally {
    if (!finished) stop(body, iterator)
  }
}

/**
 * Runs a driver's put and, when it fails, destroys the body too: also when the put failed before it read
 * any of it (an invalid key, a signal already fired, a storage it could not reach), so that whoever
 * produces the body learns that nobody reads it. Without it, copyObject()'s source (a GET from the
 * primary, or its open file) stayed open for good after a copy into an unreachable replica failed.
 */
export async function releasingBody<T>(body: PutBody, put: () => Promise<T>): Promise<T> {
  try {
    return await put()
  } catch (error) {
    discardBody(body)
    throw error
  }
}

/** Destroys a body no put will read (a stream), or asks its iterator to return. */
export function discardBody(body: PutBody): void {
  const stream = body as Partial<Readable>
  if (typeof stream.destroy === 'function') {
    if (!stream.destroyed) stream.destroy()
    return
  }
  try {
    const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]?.()
    iterator?.return?.()?.catch(() => {})
  } catch {
    // not iterable: nothing to release
  }
}

/** The error of a body that failed: a PgkeepError passes as it is (the producer's own code). */
export function bodyFailed(key: string, error: unknown): PgkeepError {
  if (isPgkeepError(error)) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new PgkeepError('STORAGE_FAILED', `unable to store ${JSON.stringify(key)}: reading the body failed: ${reason}`, { cause: error })
}

// --- internal ---

function iterate(body: PutBody): AsyncIterator<unknown> {
  const candidate = body as Partial<AsyncIterable<unknown>>
  const asyncIterator = candidate[Symbol.asyncIterator]
  if (typeof asyncIterator === 'function') return asyncIterator.call(body)
  // an old-style stream (data/end events only)
  return new Readable().wrap(body as NodeJS.ReadableStream)[Symbol.asyncIterator]()
}

function toBuffer(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  return undefined
}


/** Destroys a stream body; asks another iterator to return, without waiting (a pending next() may hang). */
function stop(body: PutBody, iterator: AsyncIterator<unknown>): void {
  const stream = body as Partial<Readable>
  if (typeof stream.destroy === 'function') {
    stream.destroy()
    return
  }
  iterator.return?.().catch(() => {})
}
