// An age-encrypted script read from a stream (stdin: `pgkeep download id | pgkeep restore - --list`),
// opened with decryption keys as openAgeFile() opens a file: the same errors for a missing or wrong key
// (DECRYPTION_FAILED) and a damaged stream (BACKUP_CORRUPT), the key checked before anything is read on.
// A stream is read once: the bytes read to tell an age file and to read its header are handed on.
import { Readable } from 'node:stream'
import type { ByteRange } from '../storage/driver'
import { AGE_MAGIC, looseAgeDecryptor } from './age-file'
import type { DecryptionOptions } from './encryption-options'

/** The age header sits at the start; 64 KiB holds it for hundreds of recipients (as age-decrypt.ts reads it). */
const HEAD_BYTES = 64 * 1024

/**
 * The bytes of `stream` decrypted with `decryption` (a passphrase, or identities `AGE-SECRET-KEY-1…`) when
 * it is an age file, told by its header line (`age-encryption.org/v1`); any other stream's bytes as they
 * are, those read to tell it included. The file key is unwrapped before it answers, so that a wrong key
 * fails (DECRYPTION_FAILED) before a restore touches a database. `name` follows "backup" in messages
 * ("unable to decrypt backup on stdin: …").
 */
export async function decryptAgeStream(stream: NodeJS.ReadableStream, decryption: DecryptionOptions, name = 'on stdin'): Promise<NodeJS.ReadableStream> {
  const source = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]()
  const head = await readHead(source, AGE_MAGIC.length)
  if (head.subarray(0, AGE_MAGIC.length).toString('latin1') !== AGE_MAGIC) return replay(head, source)
  const header = Buffer.concat([head, await readHead(source, HEAD_BYTES - head.length)])
  let opened = false
  // read as a storage's object: ranges of the header's bytes, then the whole stream once
  const reader = {
    get: async (_key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> => {
      if (range) return Readable.from([header.subarray(range.start, range.end === undefined ? undefined : range.end + 1)])
      if (opened) throw new Error(`the age stream ${name} is read once`)
      opened = true
      return replay(header, source)
    },
  }
  const decryptor = looseAgeDecryptor(reader, { name, size: header.length, header }, decryption)
  try {
    await decryptor.fileKey()
  } catch (error) {
    await source.return?.()
    throw error
  }
  return decryptor.open({ bytes: 0 })()
}

// --- internal ---

/** At least `bytes` bytes from `source` (fewer at its end), in whatever chunks it gives them. */
async function readHead(source: AsyncIterator<Buffer | string>, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  while (length < bytes) {
    const next = await source.next()
    if (next.done) break
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value
    chunks.push(chunk)
    length += chunk.length
  }
  return Buffer.concat(chunks)
}

/** `head` followed by the rest of `source`, as one stream. */
function replay(head: Buffer, source: AsyncIterator<Buffer | string>): NodeJS.ReadableStream {
  return Readable.from((async function* () {
    try {
      if (head.length > 0) yield head
      for (;;) {
        const next = await source.next()
        if (next.done) return
        yield typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value
      }
    } finally {
      // a reader that stops early releases the stream under it
      await source.return?.()
    }
  })(), { objectMode: false })
}
