// fsStorage() against the storage contract, and what only a directory can get wrong: temporary files,
// permissions, keys that climb out of the directory (also through a symbolic link), relative paths.
import { existsSync } from 'node:fs'
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { fsStorage, SYNC_BEHIND_BYTES } from '../../src/index'
import { describeStorageConformance } from './conformance'
import { bytes, chunked, collect, failingAfter, failure, MiB, readAll, sha256 } from './helpers'

const temps: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-fs-storage-'))
  temps.push(dir)
  return dir
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => !e.isDirectory()).map((e) => relative(dir, join(e.parentPath, e.name))).sort()
}

describeStorageConformance('fs', {
  open: async () => {
    const dir = join(await tempDir(), 'backups')
    return {
      driver: fsStorage({ dir }),
      leftovers: async () => (await filesUnder(dir)).filter((file) => file.endsWith('.partial')),
    }
  },
  partSizeBytes: 5 * MiB,
})

describe('fsStorage', () => {
  it('refuses a folder that is a file, or inside one, when it is made; one that becomes a file later, on the put', async () => {
    const dir = await tempDir()
    const file = join(dir, 'passwd')
    await writeFile(file, 'root:x:0:0\n')
    expect(() => fsStorage({ dir: file })).toThrow(expect.objectContaining({ code: 'STORAGE_INVALID', message: `fsStorage: ${file} is a file, not a folder: name the folder backups go to` }))
    expect(() => fsStorage({ dir: join(file, 'backups') })).toThrow(expect.objectContaining({ code: 'STORAGE_INVALID', message: `fsStorage: ${join(file, 'backups')} cannot be a folder: a part of its path is a file`, cause: expect.objectContaining({ code: 'ENOTDIR' }) }))
    // not there yet, or there: fine
    fsStorage({ dir: join(dir, 'later') })
    const storage = fsStorage({ dir: join(dir, 'later') })
    await writeFile(join(dir, 'later'), 'in the way\n')
    const error = await failure(() => storage.put('2026/a.sql.gz', chunked(Buffer.from('data'))), 'STORAGE_INVALID')
    expect(error.message).toBe(`unable to create the folder of "2026/a.sql.gz" in ${join(dir, 'later')}: ${join(dir, 'later')} is not a folder (EEXIST)`)
    expect(await readFile(join(dir, 'later'), 'utf8')).toBe('in the way\n')
  })

  it('destroys the body of a put that fails before reading it (its folder cannot be made, an invalid key)', async () => {
    const dir = await tempDir()
    const storage = fsStorage({ dir: join(dir, 'later') })
    await writeFile(join(dir, 'later'), 'in the way\n')
    const body = Readable.from(chunked(Buffer.from('never read')))
    await failure(storage.put('2026/a.sql.gz', body), 'STORAGE_INVALID')
    expect(body.destroyed).toBe(true)
    const invalid = Readable.from(chunked(Buffer.from('never read')))
    await failure(fsStorage({ dir }).put('../a.sql.gz', invalid), 'STORAGE_INVALID')
    expect(invalid.destroyed).toBe(true)
  })

  it('creates its directory (0700) on the first put, and files 0600', async () => {
    const dir = join(await tempDir(), 'not', 'yet')
    const storage = fsStorage({ dir })
    expect(existsSync(dir)).toBe(false)
    expect(await storage.stat('x')).toBeNull()
    expect(await collect(storage.list(''))).toEqual([])
    expect(existsSync(dir)).toBe(false)
    await storage.put('2026/11/a.sql.gz', chunked(Buffer.from('data')))
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '2026', '11'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '2026', '11', 'a.sql.gz'))).mode & 0o777).toBe(0o600)
    expect(await readFile(join(dir, '2026', '11', 'a.sql.gz'), 'utf8')).toBe('data')
  })

  it('resolves a relative dir against the working directory', async () => {
    const dir = await tempDir()
    const storage = fsStorage({ dir: relative(process.cwd(), dir) })
    await storage.put('rel.txt', chunked(Buffer.from('relative')))
    expect(await readFile(join(dir, 'rel.txt'), 'utf8')).toBe('relative')
  })

  it('writes a 0600 .partial file beside the key while a put runs, never a half file under the final name', async () => {
    const dir = await tempDir()
    const storage = fsStorage({ dir })
    const data = bytes(3 * MiB)
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let halfway!: () => void
    const reachedHalf = new Promise<void>((resolve) => (halfway = resolve))
    const body = Readable.from(
      (async function* () {
        yield data.subarray(0, MiB)
        halfway()
        await released
        yield data.subarray(MiB)
      })(),
      { objectMode: false },
    )
    const put = storage.put('nightly/backup.sql.gz', body)
    await reachedHalf
    let files: string[] = []
    for (let i = 0; i < 50 && files.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      files = await filesUnder(dir)
    }
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^nightly\/backup\.sql\.gz\.[0-9a-f]{16}\.partial$/)
    expect((await stat(join(dir, files[0]!))).mode & 0o777).toBe(0o600)
    expect(existsSync(join(dir, 'nightly', 'backup.sql.gz'))).toBe(false)
    release()
    await put
    expect(await filesUnder(dir)).toEqual(['nightly/backup.sql.gz'])
    expect(sha256(await readFile(join(dir, 'nightly', 'backup.sql.gz')))).toBe(sha256(data))
  })

  it(`a put of more than two sync-behind steps (${2 * SYNC_BEHIND_BYTES / MiB + 6} MiB) arrives byte for byte, and only under its key`, async () => {
    const dir = await tempDir()
    const data = bytes(2 * SYNC_BEHIND_BYTES + 6 * MiB, 7)
    const stored = await fsStorage({ dir }).put('big/backup.sql.gz', chunked(data, 256 * 1024))
    expect(stored.size).toBe(data.length)
    expect(await filesUnder(dir)).toEqual(['big/backup.sql.gz'])
    expect(sha256(await readFile(join(dir, 'big', 'backup.sql.gz')))).toBe(sha256(data))
  })

  it('a body that fails after a sync-behind step (a background sync under way) rejects with its error and leaves nothing', async () => {
    const dir = await tempDir()
    const data = bytes(SYNC_BEHIND_BYTES + 4 * MiB, 8)
    const put = fsStorage({ dir }).put('big/broken.sql.gz', failingAfter(data, new Error('the dump broke off'), 256 * 1024))
    await expect(put).rejects.toMatchObject({ message: expect.stringContaining('the dump broke off') })
    expect(await filesUnder(dir)).toEqual([])
  })

  it('refuses keys that climb out of the directory, and writes nothing outside', async () => {
    const parent = await tempDir()
    const dir = join(parent, 'store')
    const storage = fsStorage({ dir })
    for (const key of ['../x', '../../etc/x', 'a/../../x', '/tmp/x', join(parent, 'abs')]) {
      const error = await failure(storage.put(key, chunked(Buffer.from('x'))), 'STORAGE_INVALID')
      expect(error.message).toContain(JSON.stringify(key))
      await failure(storage.get(key), 'STORAGE_INVALID')
    }
    expect(await filesUnder(parent)).toEqual([])
  })

  it('refuses a folder that is a symbolic link to outside the directory', async () => {
    const parent = await tempDir()
    const dir = join(parent, 'store')
    const outside = join(parent, 'outside')
    await mkdir(dir)
    await mkdir(outside)
    await writeFile(join(outside, 'secret.txt'), 'secret')
    await symlink(outside, join(dir, 'link'))
    const storage = fsStorage({ dir })
    const error = await failure(storage.put('link/x.sql.gz', chunked(Buffer.from('x'))), 'STORAGE_INVALID')
    expect(error.message).toMatch(/symbolic link/)
    await failure(storage.put('link/deeper/x.sql.gz', chunked(Buffer.from('x'))), 'STORAGE_INVALID')
    await failure(storage.get('link/secret.txt'), 'STORAGE_INVALID')
    await failure(storage.stat('link/secret.txt'), 'STORAGE_INVALID')
    await failure(storage.remove('link/secret.txt'), 'STORAGE_INVALID')
    expect(await readdir(outside)).toEqual(['secret.txt'])
    expect(await collect(storage.list(''))).toEqual([])
    // a link that stays inside the directory is fine
    await mkdir(join(dir, 'real'))
    await symlink(join(dir, 'real'), join(dir, 'alias'))
    await storage.put('alias/y.txt', chunked(Buffer.from('y')))
    expect(await readFile(join(dir, 'real', 'y.txt'), 'utf8')).toBe('y')
  })

  it("refuses a key whose folder is another key's file", async () => {
    const storage = fsStorage({ dir: await tempDir() })
    await storage.put('a', chunked(Buffer.from('file')))
    const error = await failure(storage.put('a/b', chunked(Buffer.from('x'))), 'STORAGE_INVALID')
    expect(error.message).toContain('"a/b"')
    expect((await readAll(await storage.get('a'))).toString()).toBe('file')
  })

  it("reserves names that look like its temporary files, and lists none of them", async () => {
    const dir = await tempDir()
    const storage = fsStorage({ dir })
    await failure(storage.put('x.0123456789abcdef.partial', chunked(Buffer.from('x'))), 'STORAGE_INVALID')
    await writeFile(join(dir, 'y.sql.gz.0123456789abcdef.partial'), 'left by a crash')
    await storage.put('y.sql.gz.partial', chunked(Buffer.from('a key may end in .partial')))
    expect((await collect(storage.list(''))).map((o) => o.key)).toEqual(['y.sql.gz.partial'])
  })

  it('removes the folders a remove leaves empty, and no others', async () => {
    const dir = await tempDir()
    const storage = fsStorage({ dir })
    await storage.put('2026/11/a', chunked(Buffer.from('a')))
    await storage.put('2026/12/b', chunked(Buffer.from('b')))
    await storage.remove('2026/11/a')
    expect(existsSync(join(dir, '2026', '11'))).toBe(false)
    expect(existsSync(join(dir, '2026', '12', 'b'))).toBe(true)
    await storage.remove('2026/12/b')
    expect(existsSync(join(dir, '2026'))).toBe(false)
    expect((await lstat(dir)).isDirectory()).toBe(true)
  })

  it('names the key when it may not write to the directory', async (ctx) => {
    ctx.skip(process.getuid?.() === 0, 'running as root: root writes anywhere, so there is nothing to deny')
    const dir = join(await tempDir(), 'read-only')
    await mkdir(dir, { mode: 0o500 })
    const error = await failure(fsStorage({ dir }).put('x', chunked(Buffer.from('x'))), 'STORAGE_ACCESS_DENIED')
    expect(error.message).toContain('"x"')
  })

  it('refuses an empty dir option', () => {
    expect(() => fsStorage({ dir: '' })).toThrow(expect.objectContaining({ code: 'STORAGE_INVALID' }))
  })
})
