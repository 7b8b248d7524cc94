// A ranged read of s3Storage returns exactly the bytes asked for, even from a server that answers a Range
// request with more: HTTP lets a server ignore Range (200 and the whole object), and s3rver reads
// `bytes=0-0` as "from 0 to the end". The answer's Content-Range says what came; the surplus is cut off.
import type { IncomingMessage } from 'node:http'
import { Transform, type Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import type { ByteRange } from './driver'

/** The `range` of the object out of `response`, the minio client's GET answer (an IncomingMessage). */
export function exactRange(response: Readable, key: string, range: ByteRange): Readable {
  const answered = answeredRange(response as Readable & Partial<IncomingMessage>)
  if (!answered) return response
  const end = Math.min(range.end ?? Number.POSITIVE_INFINITY, answered.total - 1)
  if (answered.first > range.start || answered.last < end) {
    response.destroy()
    throw new PgkeepError('STORAGE_FAILED', `unable to read ${JSON.stringify(key)}: asked for bytes ${range.start}-${end}, the server sent ${answered.first}-${answered.last}`)
  }
  const skip = range.start - answered.first
  const take = end - range.start + 1
  if (skip === 0 && answered.last === end) return response
  return sliceStream(response, skip, take)
}

// --- internal ---

function answeredRange(response: Partial<IncomingMessage>): { first: number; last: number; total: number } | undefined {
  if (!response.headers) return undefined
  if (response.statusCode === 206) {
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''))
    if (!match) return undefined
    return { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) }
  }
  const length = Number(response.headers['content-length'])
  if (response.statusCode === 200 && Number.isSafeInteger(length)) return { first: 0, last: length - 1, total: length }
  return undefined
}

/** Drops `skip` bytes, passes `take`, then ends and stops the download. */
function sliceStream(source: Readable, skip: number, take: number): Readable {
  let toSkip = skip
  let toTake = take
  const slice = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (toTake === 0) return done() // chunks already on their way when the slice ended
      let part = chunk
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, part.length)
        toSkip -= dropped
        part = part.subarray(dropped)
      }
      if (toTake > 0 && part.length > 0) {
        const kept = part.subarray(0, Math.min(toTake, part.length))
        toTake -= kept.length
        this.push(kept)
      }
      if (toTake === 0) {
        this.push(null)
        source.unpipe(slice)
        source.destroy()
      }
      done()
    },
  })
  source.on('error', (error) => slice.destroy(error))
  source.pipe(slice)
  return slice
}
