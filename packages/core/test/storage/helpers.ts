// Bodies and readers for the storage tests: deterministic bytes in odd-sized chunks, bodies that fail or
// stall on cue, and small readers for streams and lists.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'

export const MiB = 1024 * 1024

/** `size` reproducible bytes (xorshift), so that any misplaced byte changes the hash. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A body of unknown length: `data` cut into chunks of `chunkSize` (odd by default, so parts never align). */
export function chunked(data: Buffer, chunkSize = 65_521): Readable {
  return Readable.from(cut(data, chunkSize), { objectMode: false })
}

export function* cut(data: Buffer, chunkSize: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += chunkSize) yield data.subarray(at, Math.min(at + chunkSize, data.length))
}

/** A body that yields `data` and then fails with `error`. */
export function failingAfter(data: Buffer, error: Error, chunkSize = 65_521): Readable {
  return Readable.from(
    (async function* () {
      yield* cut(data, chunkSize)
      throw error
    })(),
    { objectMode: false },
  )
}

/** A body that yields `data`, calls `onStalled`, and then never yields again (until destroyed). */
export function stallingAfter(data: Buffer, onStalled: () => void): Readable {
  return Readable.from(
    (async function* () {
      yield* cut(data, 65_521)
      onStalled()
      await new Promise(() => {})
    })(),
    { objectMode: false },
  )
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks)
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export { failure } from '../failure'
