// memoryStorage(): the storage contract kept in a Map, for tests and demos. Same semantics as the other
// drivers: a put appears only once its whole body was read, keys are checked the same way, lists come in
// key order. Everything is lost with the process.
import { Readable } from 'node:stream'
import { PgkeepError } from '../errors'
import { throwIfAborted } from './abort'
import { readBody, releasingBody, type PutBody } from './body'
import type { ByteRange, PutOptions, StorageDriver, StoredObject } from './driver'
import { compareKeys, validateKey, validatePrefix } from './key'
import { rangeNotSatisfiable, validateRange } from './range'

/**
 * @example
 * const storage = memoryStorage()
 * await storage.put('backups/a.sql.gz', Readable.from([gzipped]))
 */
export function memoryStorage(): StorageDriver {
  const objects = new Map<string, { data: Buffer; modifiedAt: Date }>()
  const describe = (key: string, data: Buffer, modifiedAt: Date): StoredObject => ({ key, size: data.length, modifiedAt })

  return {
    kind: 'memory',

    put: (key: string, body: PutBody, options: PutOptions = {}): Promise<StoredObject> => releasingBody(body, async () => {
      validateKey(key)
      throwIfAborted(key, options.signal)
      const chunks: Buffer[] = []
      for await (const chunk of readBody(key, body, options.signal)) chunks.push(Buffer.from(chunk))
      throwIfAborted(key, options.signal)
      const stored = { data: Buffer.concat(chunks), modifiedAt: new Date() }
      objects.set(key, stored)
      return describe(key, stored.data, stored.modifiedAt)
    }),

    async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
      validateKey(key)
      validateRange(key, range)
      const stored = objects.get(key)
      if (!stored) throw notFound(key)
      if (!range) return Readable.from([stored.data], { objectMode: false })
      if (range.start >= stored.data.length) throw rangeNotSatisfiable(key, range.start, stored.data.length)
      const end = Math.min(range.end ?? Infinity, stored.data.length - 1)
      return Readable.from([stored.data.subarray(range.start, end + 1)], { objectMode: false })
    },

    async stat(key: string): Promise<StoredObject | null> {
      validateKey(key)
      const stored = objects.get(key)
      return stored ? describe(key, stored.data, stored.modifiedAt) : null
    },

    async *list(prefix: string): AsyncIterable<StoredObject> {
      validatePrefix(prefix)
      const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareKeys)
      for (const key of keys) {
        const stored = objects.get(key)
        if (stored) yield describe(key, stored.data, stored.modifiedAt)
      }
    },

    async remove(key: string): Promise<void> {
      validateKey(key)
      objects.delete(key)
    },
  }
}

function notFound(key: string): PgkeepError {
  return new PgkeepError('STORAGE_NOT_FOUND', `no object ${JSON.stringify(key)} in memory storage`)
}
