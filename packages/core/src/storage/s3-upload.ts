// put() of s3Storage: its own multipart loop on the minio client's public calls, because putObject() with
// an unknown length buffers 528 MiB parts. Memory holds at most two parts: one filling from the body while
// the one before it uploads. A body that ends within the first part is sent with one PUT of known length.
// On any failure the upload is aborted. An object can only appear under the key through the final request
// (CompleteMultipartUpload or the single PUT): when its answer was lost, the key is checked and cleared.
import { PgkeepError } from '../errors'
import { abortedError } from './abort'
import { readBody, type PutBody } from './body'
import type { S3Client } from './s3-client'
import { isUnreachable, s3Code } from './s3-errors'
import { MAX_PARTS, type PartPlan } from './s3-part-size'

export interface UploadTarget {
  s3: S3Client
  bucket: string
  /** The object name (prefix and key). */
  name: string
  /** The key, for messages. */
  key: string
  contentType: string
  plan: PartPlan
  signal: AbortSignal | undefined
  /** Maps a client failure to a PgkeepError that names the upload. */
  fail(error: unknown): PgkeepError
}

/** Uploads the body and resolves with its size in bytes, or rejects having left nothing under the key. */
export async function uploadBody(target: UploadTarget, body: PutBody): Promise<number> {
  const { s3, bucket, name, key, signal, plan } = target
  const client = await s3.ready()
  // stops the body at once when a part upload fails while the next part is still filling
  const stopReading = new AbortController()
  const reader = new PartReader(readBody(key, body, signal ? AbortSignal.any([signal, stopReading.signal]) : stopReading.signal))
  const buffers = new PartBuffers()
  const headers = { 'Content-Type': target.contentType }
  const startedAt = Date.now()
  let uploadId: string | undefined
  let finalSent = false
  let partFailure: unknown
  let inFlight: Promise<void> | undefined
  let total = 0
  try {
    const first = await reader.fill(buffers.forPart(1, plan.partSize(1)))
    if (first.length < plan.partSize(1)) {
      finalSent = true
      await s3.withSignal(signal, () => client.putObject(bucket, name, first, first.length, headers))
      return first.length
    }
    uploadId = await s3.withSignal(signal, () => client.initiateNewMultipartUpload(bucket, name, headers))
    const parts: { part: number; etag: string }[] = []
    for (let partNumber = 1, data = first; ; partNumber++) {
      const id = uploadId
      const number = partNumber
      const payload = data
      inFlight = s3
        .withSignal(signal, () => client.uploadPart({ bucketName: bucket, objectName: name, uploadID: id, partNumber: number, headers: {} }, payload))
        .then(
          ({ etag }) => void parts.push({ part: number, etag }),
          (error: unknown) => {
            partFailure ??= error
            stopReading.abort()
            throw error
          },
        )
      inFlight.catch(() => {}) // awaited below; this only keeps an early failure from counting as unhandled
      total += payload.length
      if (payload.length < plan.partSize(number)) break // the short, last part
      const next = await reader.fill(buffers.forPart(number + 1, plan.partSize(number + 1)))
      await inFlight
      inFlight = undefined
      if (next.length === 0) break
      if (number === MAX_PARTS) throw tooLarge(key, plan)
      data = next
    }
    await inFlight
    inFlight = undefined
    if (signal?.aborted) throw abortedError(key, signal)
    finalSent = true
    await s3.withSignal(signal, () => client.completeMultipartUpload(bucket, name, id(uploadId), parts))
    return total
  } catch (error) {
    reader.close()
    await inFlight?.catch(() => {})
    const cause = partFailure ?? error
    const failure = signal?.aborted ? abortedError(key, signal) : target.fail(cause)
    const mayBeStored = finalSent && (signal?.aborted === true || answerLost(cause))
    const notes = await cleanUp(target, { uploadId, mayBeStored, startedAt, size: total })
    if (notes.length === 0) throw failure
    throw new PgkeepError(failure.code, `${failure.message}; ${notes.join('; ')}`, {
      cause: failure.cause,
      ...(failure.hint !== undefined && { hint: failure.hint }),
    })
  }
}

// --- internal ---

/**
 * Aborts the multipart upload (s3rver answers 405 MethodNotAllowed: nothing to do then) and, when the
 * final request may have been carried out, removes the object it stored. Returns what could not be cleaned.
 */
async function cleanUp(
  target: UploadTarget,
  state: { uploadId: string | undefined; mayBeStored: boolean; startedAt: number; size: number },
): Promise<string[]> {
  const client = await target.s3.ready()
  const notes: string[] = []
  if (state.uploadId !== undefined) {
    try {
      await client.abortMultipartUpload(target.bucket, target.name, state.uploadId)
    } catch (error) {
      if (!ABORT_UNSUPPORTED.has(s3Code(error))) {
        notes.push(`its multipart upload could not be aborted (${describe(error)}): the parts stay until a lifecycle rule for incomplete uploads removes them`)
      }
    }
  }
  if (state.mayBeStored) {
    try {
      const info = await client.statObject(target.bucket, target.name)
      // ours: the size we sent, written since the upload began (with room for a server clock that differs)
      if (info.size === state.size && info.lastModified.getTime() >= state.startedAt - CLOCK_SLACK_MS) {
        await client.removeObject(target.bucket, target.name)
      }
    } catch (error) {
      const code = s3Code(error)
      if (code !== 'NotFound' && code !== 'NoSuchKey') {
        notes.push(`whether the object was stored could not be checked (${describe(error)}): check ${JSON.stringify(target.key)} once the endpoint is back`)
      }
    }
  }
  return notes
}

const ABORT_UNSUPPORTED = new Set(['MethodNotAllowed', 'NotImplemented', 'NoSuchUpload'])
/** Failures that happen before a request reaches the server. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/** True when the request may have been carried out though its answer never came (a connection lost mid-way). */
function answerLost(error: unknown): boolean {
  return isUnreachable(error) && !NEVER_CONNECTED.has(s3Code(error))
}
const CLOCK_SLACK_MS = 5 * 60_000

function describe(error: unknown): string {
  const code = s3Code(error)
  if (isUnreachable(error)) return `endpoint unreachable${code ? `, ${code}` : ''}`
  return code || (error instanceof Error ? error.message : String(error))
}

function id(uploadId: string | undefined): string {
  if (uploadId === undefined) throw new PgkeepError('INTERNAL', 'multipart upload without an upload id')
  return uploadId
}

function tooLarge(key: string, plan: PartPlan): PgkeepError {
  return new PgkeepError('STORAGE_FAILED', `unable to upload ${JSON.stringify(key)}: it is larger than the ${MAX_PARTS} parts of a multipart upload hold (${plan.capacity} bytes)`, {
    hint: 'raise partSizeBytes',
  })
}

/** Two part buffers, reused: part n fills buffer n % 2 while part n - 1 uploads from the other. */
class PartBuffers {
  private readonly slots: [Buffer | undefined, Buffer | undefined] = [undefined, undefined]

  forPart(partNumber: number, size: number): Buffer {
    const slot = partNumber % 2
    let buffer = this.slots[slot]
    if (!buffer || buffer.length < size) buffer = this.slots[slot] = Buffer.allocUnsafe(size)
    return buffer.subarray(0, size)
  }
}

/** Copies the body's chunks into part buffers; a chunk that crosses a part's end is split. */
class PartReader {
  private pending: Buffer | undefined
  private ended = false

  constructor(private readonly chunks: AsyncGenerator<Buffer, void, undefined>) {}

  /** Fills `target` and returns the filled start of it: shorter only when the body ended. */
  async fill(target: Buffer): Promise<Buffer> {
    let filled = 0
    while (filled < target.length) {
      if (!this.pending) {
        if (this.ended) break
        const next = await this.chunks.next()
        if (next.done) {
          this.ended = true
          break
        }
        this.pending = next.value
      }
      const copied = this.pending.copy(target, filled)
      filled += copied
      this.pending = copied < this.pending.length ? this.pending.subarray(copied) : undefined
    }
    return target.subarray(0, filled)
  }

  /** Stops reading: the body is destroyed (see body.ts). */
  close(): void {
    this.pending = undefined
    this.chunks.return().catch(() => {})
  }
}
