// The storage contract as tests: every driver (memory, fs, s3) runs this suite through its own
// *.test.ts, each test on a new, empty storage. Driver-specific behaviour lives in those files.
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { PgkeepError, type StorageDriver, type StoredObject } from '../../src/index'
import { bytes, chunked, collect, failingAfter, failure, MiB, readAll, sha256, stallingAfter } from './helpers'

export interface StorageUnderTest {
  driver: StorageDriver
  /** What failed puts left behind (temporary files, open uploads); leave out where the backend cannot show it. */
  leftovers?: () => Promise<string[]>
  dispose?: () => Promise<void>
}

export interface ConformanceOptions {
  /** A new, empty storage for one test. */
  open: () => Promise<StorageUnderTest>
  /** The driver's part size where it uploads in parts (s3), else any size: bodies are made to span more than two. */
  partSizeBytes: number
  /** How many keys the many-keys listing puts (more than 1000, S3's largest page). @default 1100 */
  manyKeys?: number
}

/** Keys in the order list() must give them: byte order of their UTF-8, folders sorting as "name/". */
export const ORDERED_KEYS = ['a-b', 'a.c', 'a/x', 'a/y-1', 'a/y.2', 'a/y/z', 'ab', 'b/c/d', 'u/\u{FF5E}', 'u/\u{1F600}']

export const INVALID_KEYS = [
  '', '/etc/passwd', '../x', 'a/../b', './a', 'a/.', 'a/./b', 'a//b', 'dir/', 'a\\b', 'a\0b', 'x'.repeat(1025), 'é'.repeat(513),
]

export function describeStorageConformance(name: string, options: ConformanceOptions): void {
  const { partSizeBytes, manyKeys = 1100 } = options
  const opened: StorageUnderTest[] = []
  const open = async (): Promise<StorageUnderTest> => {
    const storage = await options.open()
    opened.push(storage)
    return storage
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.dispose?.()))
  })

  /** Nothing under any key, and nothing left behind. */
  const expectEmpty = async (storage: StorageUnderTest, key: string) => {
    expect(await storage.driver.stat(key)).toBeNull()
    expect(await collect(storage.driver.list(''))).toEqual([])
    await failure(storage.driver.get(key), 'STORAGE_NOT_FOUND')
    if (storage.leftovers) expect(await storage.leftovers()).toEqual([])
  }

  const expectRecent = (object: StoredObject) => {
    expect(object.modifiedAt).toBeInstanceOf(Date)
    expect(Math.abs(object.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000)
  }

  describe(`storage conformance: ${name}`, () => {
    it('round-trips an empty object', async () => {
      const { driver } = await open()
      const stored = await driver.put('backups/empty.sql.gz', Readable.from([], { objectMode: false }))
      expect(stored).toMatchObject({ key: 'backups/empty.sql.gz', size: 0 })
      expectRecent(stored)
      expect((await readAll(await driver.get('backups/empty.sql.gz'))).length).toBe(0)
      expect(await driver.stat('backups/empty.sql.gz')).toMatchObject({ key: 'backups/empty.sql.gz', size: 0 })
    })

    it('round-trips a small object from chunks of any kind (Buffer, Uint8Array, string, async iterable)', async () => {
      const { driver } = await open()
      const parts = [Buffer.from('kost '), new Uint8Array([0x6d, 0x61, 0x77, 0x61, 0x72]), Buffer.alloc(0), ' ✓']
      const body = (async function* () {
        for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part
      })()
      const stored = await driver.put('backups/2026/kostman-backup-2026-11-26-1764140000000.sql.gz', body)
      const expected = Buffer.from('kost mawar ✓')
      expect(stored.size).toBe(expected.length)
      expect(await readAll(await driver.get(stored.key))).toEqual(expected)

      const fromStream = await driver.put('s.txt', Readable.from(['a', 'bc', 'def'], { objectMode: true }))
      expect(fromStream.size).toBe(6)
      expect((await readAll(await driver.get('s.txt'))).toString()).toBe('abcdef')
    })

    it('round-trips an object of more than two parts, of unknown length, byte for byte', async () => {
      const { driver } = await open()
      const data = bytes(Math.floor(partSizeBytes * 2.5) + 12_345, 7)
      const stored = await driver.put('big/dump.sql.gz', chunked(data))
      expect(stored.size).toBe(data.length)
      expect(sha256(await readAll(await driver.get('big/dump.sql.gz')))).toBe(sha256(data))
      expect((await driver.stat('big/dump.sql.gz'))?.size).toBe(data.length)
      // a range across the first part boundary
      const range = { start: partSizeBytes - 100, end: partSizeBytes + 99 }
      expect(await readAll(await driver.get('big/dump.sql.gz', range))).toEqual(data.subarray(range.start, range.end + 1))
    })

    it('round-trips a body whose length is an exact multiple of the part size', async () => {
      const { driver } = await open()
      const data = bytes(partSizeBytes * 2, 3)
      expect((await driver.put('exact', chunked(data, 1 * MiB))).size).toBe(data.length)
      expect(sha256(await readAll(await driver.get('exact')))).toBe(sha256(data))
    })

    it('reads byte ranges, inclusive, and clamps the end to the object', async () => {
      const { driver } = await open()
      const data = bytes(1000, 11)
      await driver.put('r', chunked(data, 97))
      const read = async (start: number, end?: number) => readAll(await driver.get('r', end === undefined ? { start } : { start, end }))
      expect(await read(0, 0)).toEqual(data.subarray(0, 1))
      expect(await read(10, 19)).toEqual(data.subarray(10, 20))
      expect(await read(0)).toEqual(data)
      expect(await read(990)).toEqual(data.subarray(990))
      expect(await read(995, 5000)).toEqual(data.subarray(995))
      expect(await read(999, 999)).toEqual(data.subarray(999))
    })

    it('refuses ranges that are malformed or start past the end', async () => {
      const { driver } = await open()
      await driver.put('r', chunked(bytes(1000)))
      for (const range of [{ start: 1000 }, { start: 5000, end: 6000 }]) {
        const error = await failure(driver.get('r', range), 'STORAGE_INVALID')
        expect(error.message).toContain('"r"')
      }
      for (const range of [{ start: -1 }, { start: 5, end: 4 }, { start: 1.5 }, { start: Number.NaN }]) await failure(driver.get('r', range), 'STORAGE_INVALID')
      await failure(driver.get('missing', { start: 0 }), 'STORAGE_NOT_FOUND')
    })

    it('stats objects, and null for a missing key or a folder', async () => {
      const { driver } = await open()
      expect(await driver.stat('nope')).toBeNull()
      await driver.put('folder/file.txt', chunked(Buffer.from('12345')))
      const info = await driver.stat('folder/file.txt')
      expect(info).toMatchObject({ key: 'folder/file.txt', size: 5 })
      expectRecent(info!)
      expect(await driver.stat('folder')).toBeNull()
      expect(await driver.stat('folder/file')).toBeNull()
    })

    it('replaces an object put again under the same key', async () => {
      const { driver } = await open()
      await driver.put('same', chunked(Buffer.from('first version')))
      await driver.put('same', chunked(Buffer.from('second')))
      expect((await readAll(await driver.get('same'))).toString()).toBe('second')
      expect(await collect(driver.list(''))).toMatchObject([{ key: 'same', size: 6 }])
    })

    it('lists in key order (UTF-8 bytes; a folder sorts as its name plus "/") and by prefix', async () => {
      const { driver } = await open()
      const shuffled = [...ORDERED_KEYS].sort((a, b) => sha256(Buffer.from(a)).localeCompare(sha256(Buffer.from(b))))
      for (const [i, key] of shuffled.entries()) await driver.put(key, chunked(Buffer.alloc(i + 1, i)))
      const all = await collect(driver.list(''))
      expect(all.map((o) => o.key)).toEqual(ORDERED_KEYS)
      for (const object of all) {
        expect(object.size).toBe(shuffled.indexOf(object.key) + 1)
        expectRecent(object)
      }
      const keys = async (prefix: string) => (await collect(driver.list(prefix))).map((o) => o.key)
      expect(await keys('a/')).toEqual(['a/x', 'a/y-1', 'a/y.2', 'a/y/z'])
      expect(await keys('a/y')).toEqual(['a/y-1', 'a/y.2', 'a/y/z'])
      expect(await keys('a/y/')).toEqual(['a/y/z'])
      expect(await keys('a')).toEqual(ORDERED_KEYS.filter((k) => k.startsWith('a')))
      expect(await keys('b/c/d')).toEqual(['b/c/d'])
      expect(await keys('u/')).toEqual(['u/\u{FF5E}', 'u/\u{1F600}'])
      expect(await keys('zzz')).toEqual([])
      expect(await keys('a/q/')).toEqual([])
    })

    it(`lists more than 1000 keys (${manyKeys}) in order, without the keys beside the prefix`, async () => {
      const { driver } = await open()
      const keys = Array.from({ length: manyKeys }, (_, i) => `many/k${String(i).padStart(5, '0')}`)
      const pending = [...keys, 'many-other', 'manz']
      for (let i = 0; i < pending.length; i += 50) {
        await Promise.all(pending.slice(i, i + 50).map((key) => driver.put(key, chunked(Buffer.from(key)))))
      }
      const listed = await collect(driver.list('many/'))
      expect(listed.length).toBe(keys.length)
      expect(listed.map((o) => o.key)).toEqual(keys)
      expect(listed.every((o, i) => o.size === keys[i]!.length)).toBe(true)
      expect((await collect(driver.list(''))).length).toBe(keys.length + 2)
    }, 120_000)

    it('removes idempotently', async () => {
      const { driver } = await open()
      await driver.remove('never-there')
      await driver.remove('deep/never/there')
      await driver.put('deep/gone', chunked(Buffer.from('x')))
      await driver.put('deep/kept', chunked(Buffer.from('y')))
      await driver.remove('deep/gone')
      await driver.remove('deep/gone')
      expect(await driver.stat('deep/gone')).toBeNull()
      await failure(driver.get('deep/gone'), 'STORAGE_NOT_FOUND')
      expect((await collect(driver.list(''))).map((o) => o.key)).toEqual(['deep/kept'])
      await driver.remove('deep/kept')
      expect(await collect(driver.list(''))).toEqual([])
      // the folder of removed keys takes new keys again
      await driver.put('deep/again', chunked(Buffer.from('z')))
      expect((await driver.stat('deep/again'))?.size).toBe(1)
    })

    it('shows nothing under the key while a put is in progress', async () => {
      const storage = await open()
      const { driver } = storage
      let stalled!: () => void
      const reachedStall = new Promise<void>((resolve) => (stalled = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const data = bytes(Math.floor(partSizeBytes * 1.5), 5)
      const body = Readable.from(
        (async function* () {
          yield data.subarray(0, partSizeBytes + 10)
          stalled()
          await released
          yield data.subarray(partSizeBytes + 10)
        })(),
        { objectMode: false },
      )
      const put = driver.put('in-progress/backup.sql.gz', body)
      await reachedStall
      await new Promise((resolve) => setTimeout(resolve, 200)) // let the first part reach the backend
      expect(await driver.stat('in-progress/backup.sql.gz')).toBeNull()
      expect(await collect(driver.list(''))).toEqual([])
      await failure(driver.get('in-progress/backup.sql.gz'), 'STORAGE_NOT_FOUND')
      release()
      expect((await put).size).toBe(data.length)
      expect(sha256(await readAll(await driver.get('in-progress/backup.sql.gz')))).toBe(sha256(data))
      if (storage.leftovers) expect(await storage.leftovers()).toEqual([])
    })

    for (const [label, size] of [['within the first part', 1000], ['after more than two parts', Math.floor(partSizeBytes * 2.3)]] as const) {
      it(`a body that fails ${label} rejects and leaves nothing`, async () => {
        const storage = await open()
        const boom = new Error('the dump broke')
        const error = await failure(storage.driver.put('failed/backup.sql.gz', failingAfter(bytes(size), boom)), 'STORAGE_FAILED')
        expect(error.cause).toBe(boom)
        expect(error.message).toContain('"failed/backup.sql.gz"')
        expect(error.message).toContain('the dump broke')
        await expectEmpty(storage, 'failed/backup.sql.gz')
      })
    }

    it("passes a body's own PgkeepError through, and leaves nothing", async () => {
      const storage = await open()
      const own = new PgkeepError('COPY_FAILED', 'unable to copy "public"."bills"')
      const error = await failure(storage.driver.put('failed/own.sql.gz', failingAfter(bytes(partSizeBytes + 1), own)))
      expect(error).toBe(own)
      await expectEmpty(storage, 'failed/own.sql.gz')
    })

    it('an already aborted signal rejects with ABORTED before reading the body', async () => {
      const storage = await open()
      const controller = new AbortController()
      controller.abort(new Error('user cancelled'))
      const body = chunked(bytes(100))
      const error = await failure(storage.driver.put('aborted/early', body, { signal: controller.signal }), 'ABORTED')
      expect(error.message).toContain('"aborted/early"')
      await expectEmpty(storage, 'aborted/early')
    })

    it('a put that fails before reading its body (an invalid key, a signal already fired) destroys the body', async () => {
      // so that its producer is released: copyObject() pipes a get() of another storage into the put
      const { driver } = await open()
      const invalid = Readable.from(chunked(bytes(100)))
      await failure(driver.put('../climbs', invalid), 'STORAGE_INVALID')
      expect(invalid.destroyed).toBe(true)
      const controller = new AbortController()
      controller.abort(new Error('user cancelled'))
      const aborted = Readable.from(chunked(bytes(100)))
      await failure(driver.put('aborted/early-body', aborted, { signal: controller.signal }), 'ABORTED')
      expect(aborted.destroyed).toBe(true)
    })

    for (const [label, size] of [['within the first part', 1000], ['after more than two parts', Math.floor(partSizeBytes * 2.3)]] as const) {
      it(`a signal aborted ${label}, while the body stalls, rejects at once with ABORTED and leaves nothing`, async () => {
        const storage = await open()
        const controller = new AbortController()
        const reason = new Error('user cancelled')
        let stalledAt = 0
        const body = stallingAfter(bytes(size), () => {
          stalledAt = Date.now()
          setTimeout(() => controller.abort(reason), 100)
        })
        const error = await failure(storage.driver.put('aborted/late', body, { signal: controller.signal }), 'ABORTED')
        expect(Date.now() - stalledAt).toBeLessThan(5_000)
        expect(error.cause).toBe(reason)
        expect(body.destroyed).toBe(true)
        await expectEmpty(storage, 'aborted/late')
      })
    }

    it('refuses invalid keys with STORAGE_INVALID naming the key', async () => {
      const { driver } = await open()
      for (const key of INVALID_KEYS) {
        const shown = JSON.stringify(key)
        for (const attempt of [
          () => driver.put(key, chunked(Buffer.from('x'))),
          () => driver.get(key),
          () => driver.stat(key),
          () => driver.remove(key),
        ]) {
          const error = await failure(attempt(), 'STORAGE_INVALID')
          expect(error.message).toContain(shown)
        }
      }
      for (const prefix of ['/', '/abs', '../', 'a/../', 'a//', 'a\\']) await failure(collect(driver.list(prefix)), 'STORAGE_INVALID')
      expect(await collect(driver.list(''))).toEqual([])
    })
  })
}
