// What restore() reads: a file path, a Buffer, a stream, or a function that opens one (so that a
// source can be read twice: once to plan, once to apply). gzip is recognised by its magic bytes and
// unpacked on the fly, whichever way the source comes.
import { createReadStream } from 'node:fs'
import { access, constants, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { createScriptGunzip } from './script-gunzip'
import { PgkeepError } from '../errors'

/** What an empty script's refusal suggests. */
const EMPTY_HINT = 'a dump always starts with its header: check that the file is the one meant and that its download or copy finished'

/** The first line of every age file. */
const AGE_MAGIC = Buffer.from('age-encryption.org/', 'latin1')

export type RestoreSource = string | Buffer | NodeJS.ReadableStream | (() => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream)

/** Whether the source can be opened more than once (a path, a Buffer, or an opener function). */
export function isReopenable(source: RestoreSource): boolean {
  return typeof source === 'string' || Buffer.isBuffer(source) || typeof source === 'function'
}

const SOURCE_KINDS = 'a file path, a Buffer, a readable stream, or a function that opens one'

/**
 * Refuses a source that cannot be read, before anything else is done (no connection, no database
 * created): not one of the accepted kinds, an empty path, a missing or unreadable file, a directory.
 */
export async function checkSource(source: unknown, what = 'restore source'): Promise<void> {
  if (typeof source === 'string') {
    if (source === '') throw new PgkeepError('OPTIONS_INVALID', `the ${what} is an empty file path`)
    let info
    try {
      info = await stat(source)
      await access(source, constants.R_OK)
    } catch (error) {
      const code = (error as { code?: string }).code
      const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(error)})`
      throw new PgkeepError('OPTIONS_INVALID', `the ${what} file ${JSON.stringify(source)} ${reason}`, { cause: error })
    }
    if (info.isDirectory()) throw new PgkeepError('OPTIONS_INVALID', `the ${what} ${JSON.stringify(source)} is a directory, not a file`)
    // a regular file's size is known before anything is done; a pipe or device is found empty when read
    if (info.isFile() && info.size === 0) {
      throw new PgkeepError('OPTIONS_INVALID', `the ${what} file ${JSON.stringify(source)} is empty (0 bytes): there is nothing to restore`, { hint: EMPTY_HINT })
    }
    return
  }
  if (Buffer.isBuffer(source) || typeof source === 'function') return
  if (!isReadableStream(source)) throw new PgkeepError('OPTIONS_INVALID', `the ${what} must be ${SOURCE_KINDS}; got ${describeValue(source)}`)
}

/** The script's bytes, gunzipped when the source is gzip. Counts the raw bytes read in `counter`. */
export async function openScript(source: RestoreSource, counter?: { bytes: number }): Promise<AsyncIterable<Buffer>> {
  let raw: NodeJS.ReadableStream
  if (typeof source === 'string') raw = createReadStream(source)
  else if (Buffer.isBuffer(source)) raw = Readable.from([source])
  else if (typeof source === 'function') {
    // Errors of the opener itself (storage, decryption) pass through as they are.
    const opened: unknown = await source()
    if (!isReadableStream(opened)) throw new PgkeepError('OPTIONS_INVALID', `the restore source's opener returned ${describeValue(opened)}, not a readable stream`)
    raw = opened
  } else raw = source
  return decode(raw, counter)
}

function isReadableStream(value: unknown): value is NodeJS.ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as { on?: unknown }).on === 'function'
    && (typeof (value as { read?: unknown }).read === 'function' || Symbol.asyncIterator in value)
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object that is not a readable stream' : `a ${typeof value}`
}

async function* decode(raw: NodeJS.ReadableStream, counter?: { bytes: number }): AsyncGenerator<Buffer> {
  const counted = (async function* () {
    let bytes = 0
    try {
      for await (const chunk of raw as AsyncIterable<Buffer | string>) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
        bytes += buffer.length
        if (counter) counter.bytes += buffer.length
        yield buffer
      }
    } catch (error) {
      throw sourceFailure(error, bytes)
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
  // No pg_dump or pgkeep script is empty (each starts with its header): an empty one is a cut download or
  // the wrong file, refused rather than restored as nothing into a database made for it.
  let text = 0
  if (!isGzip) {
    for await (const chunk of all) {
      text += chunk.length
      yield chunk
    }
    if (text === 0) throw emptyScript('is empty (0 bytes)')
    return
  }
  const gunzip = createScriptGunzip()
  const input = Readable.from(all)
  input.on('error', (error) => gunzip.destroy(error))
  input.pipe(gunzip)
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      text += chunk.length
      yield chunk
    }
    if (text === 0) throw emptyScript('is a gzip file of 0 bytes of text')
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

/**
 * A source that fails while it is read (a file's EIO, a download's reset) is the source's failure, not the
 * target's: as it reaches the COPY being fed, its ECONNRESET read as the database's connection lost.
 * Errors pgkeep made already (storage, decryption, checksums) and aborts pass through as they are.
 */
function sourceFailure(error: unknown, bytes: number): unknown {
  if (error instanceof PgkeepError) return error
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return error
  const message = error instanceof Error ? error.message : String(error)
  return new PgkeepError('STORAGE_FAILED', `reading the restore source failed after ${bytes} bytes: ${message}`, {
    cause: error,
    hint: 'the source (its file, stream or download) broke off while it was read; the target database did not fail: read the source again and restore again',
  })
}

function emptyScript(what: string): PgkeepError {
  return new PgkeepError('SCRIPT_INVALID', `the script ${what}: there is nothing to restore`, { hint: EMPTY_HINT })
}
