// Copies one object from a storage to another as a stream (never buffered whole: the destination's put
// pulls as it writes), hashing the bytes as they pass. When the bytes do not match the size and sha256
// expected (the manifest's), the copy is removed from the destination and BACKUP_CORRUPT thrown.
import { createHash } from 'node:crypto'
import { pipeline, Transform } from 'node:stream'
import { PgkeepError } from '../errors'
import type { StorageDriver, StoredObject } from './driver'

export interface CopyObjectOptions {
  /** What the bytes must be; without it the object is copied as it is. */
  expected?: { size: number; sha256: string }
  contentType?: string
  signal?: AbortSignal
}

export async function copyObject(from: StorageDriver, to: StorageDriver, key: string, o: CopyObjectOptions = {}): Promise<StoredObject> {
  const source = await from.get(key)
  const hash = createHash('sha256')
  let bytes = 0
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  // A source that fails destroys `hashing` with its error, which fails the put (nothing stays under key).
  pipeline(source as NodeJS.ReadableStream & AsyncIterable<Buffer>, hashing, () => {})
  const stored = await to.put(key, hashing, { ...(o.contentType ? { contentType: o.contentType } : {}), ...(o.signal ? { signal: o.signal } : {}) })
  const sha256 = hash.digest('hex')
  if (o.expected && (bytes !== o.expected.size || sha256 !== o.expected.sha256 || stored.size !== o.expected.size)) {
    await to.remove(key).catch(() => {})
    throw new PgkeepError('BACKUP_CORRUPT',
      `the copy of ${key} does not match its manifest (${bytes} of ${o.expected.size} bytes, sha256 ${sha256 === o.expected.sha256 ? 'equal' : 'differs'}); it was removed from the destination`,
      { hint: 'the source object is damaged: verify() the backup' })
  }
  return stored
}

/** The size and sha256 of a stored object, read as a stream. */
export async function hashObject(storage: StorageDriver, key: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of (await storage.get(key)) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { size, sha256: hash.digest('hex') }
}
