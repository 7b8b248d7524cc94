// What restore() reads: a file path, a Buffer, a stream, or a function that opens one (so that a
// source can be read twice: once to plan, once to apply). gzip is recognised by its magic bytes and
// unpacked on the fly, whichever way the source comes.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { PgkeepError } from '../errors'

/** The first line of every age file. */
const AGE_MAGIC = Buffer.from('age-encryption.org/', 'latin1')

export type RestoreSource = string | Buffer | NodeJS.ReadableStream | (() => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream)

/** Whether the source can be opened more than once (a path, a Buffer, or an opener function). */
export function isReopenable(source: RestoreSource): boolean {
  return typeof source === 'string' || Buffer.isBuffer(source) || typeof source === 'function'
}

/** The script's bytes, gunzipped when the source is gzip. Counts the raw bytes read in `counter`. */
export async function openScript(source: RestoreSource, counter?: { bytes: number }): Promise<AsyncIterable<Buffer>> {
  let raw: NodeJS.ReadableStream
  if (typeof source === 'string') raw = createReadStream(source)
  else if (Buffer.isBuffer(source)) raw = Readable.from([source])
  else if (typeof source === 'function') raw = await source()
  else raw = source
  return decode(raw, counter)
}

async function* decode(raw: NodeJS.ReadableStream, counter?: { bytes: number }): AsyncGenerator<Buffer> {
  const counted = (async function* () {
    for await (const chunk of raw as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      if (counter) counter.bytes += buffer.length
      yield buffer
    }
  })()
  // Look at the first bytes to tell gzip (1f 8b) from plain text.
  const firstChunks: Buffer[] = []
  let seen = 0
  while (seen < 2) {
    const next = await counted.next()
    if (next.done) break
    firstChunks.push(next.value)
    seen += next.value.length
  }
  const head = Buffer.concat(firstChunks)
  const isGzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
  if (head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)) {
    throw new PgkeepError('DECRYPTION_FAILED', 'the script is an age-encrypted file (an encrypted pgkeep backup, .sql.gz.age); restore() does not decrypt', {
      hint: 'restore it with backups.restore(id) of a backup manager given decryption, or decrypt it first: age -d -o backup.sql.gz backup.sql.gz.age',
    })
  }
  const all = (async function* () {
    if (head.length > 0) yield head
    for (;;) {
      const next = await counted.next()
      if (next.done) return
      yield next.value
    }
  })()
  if (!isGzip) {
    yield* all
    return
  }
  const gunzip = createGunzip()
  const input = Readable.from(all)
  input.on('error', (error) => gunzip.destroy(error))
  input.pipe(gunzip)
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') {
      throw new PgkeepError('SCRIPT_INVALID', `the gzip stream is ${code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt'}: ${(error as Error).message}`, { cause: error })
    }
    throw error
  } finally {
    input.destroy()
  }
}
