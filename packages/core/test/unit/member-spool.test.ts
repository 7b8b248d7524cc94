// MemberSpool: bytes come back in the order written, whether they waited in memory or in the temporary
// file past the shared budget; the file goes once read, the folder on dispose(); destroy() stops both sides.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MemberSpool, SpoolFiles } from '../../src/write/member-spool'

const folders: string[] = []
afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })))
})

async function parent(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'pgkeep-spool-unit-'))
  folders.push(folder)
  return folder
}

async function readAll(spool: MemberSpool): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of spool.read()) chunks.push(chunk)
  return Buffer.concat(chunks)
}

describe('MemberSpool', () => {
  it('keeps bytes past the memory budget in a temporary file and gives everything back in order', async () => {
    const where = await parent()
    const files = new SpoolFiles({ budget: 64 * 1024, parent: where })
    const a = new MemberSpool(files)
    const b = new MemberSpool(files)
    const written: Buffer[] = []
    for (let i = 0; i < 40; i++) {
      const chunk = randomBytes(10_000)
      written.push(chunk)
      await a.write(chunk)
      await b.write(chunk)
    }
    a.end()
    b.end()
    expect(files.used).toBeLessThanOrEqual(64 * 1024)
    expect(files.peakDiskBytes).toBeGreaterThan(600_000)
    const [spoolFolder] = await readdir(where)
    expect(spoolFolder).toMatch(/^pgkeep-spool-/)
    expect((await readdir(join(where, spoolFolder!))).length).toBe(2)

    expect((await readAll(a)).equals(Buffer.concat(written))).toBe(true)
    expect((await readAll(b)).equals(Buffer.concat(written))).toBe(true)
    // Each file goes as soon as its spool was read; dispose() removes the folder.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await readdir(join(where, spoolFolder!))).toEqual([])
    await files.dispose()
    expect(await readdir(where)).toEqual([])
  })

  it('tells onFileRead of every read from a file, and of none from memory', async () => {
    // dump.ts counts these reads in its GcPacer: each is a new buffer the collector must free
    const reads: number[] = []
    const files = new SpoolFiles({ budget: 100_000, parent: await parent(), onFileRead: (bytes) => reads.push(bytes) })
    const spool = new MemberSpool(files)
    const written = Array.from({ length: 12 }, () => randomBytes(50_000))
    for (const chunk of written) await spool.write(chunk)
    spool.end()
    expect((await readAll(spool)).equals(Buffer.concat(written))).toBe(true)
    // the first two chunks fit the budget and came back from memory; the other 500,000 bytes from the file
    expect(reads.reduce((a, b) => a + b, 0)).toBe(500_000)
    expect(reads.length).toBeGreaterThan(1)
    await files.dispose()
  })

  it('holds the writer back while its reader is behind, instead of spilling to disk', async () => {
    const files = new SpoolFiles({ budget: 0, parent: await parent() })
    const spool = new MemberSpool(files)
    const reading = readAll(spool)
    for (let i = 0; i < 100; i++) await spool.write(Buffer.alloc(64 * 1024, i))
    spool.end()
    expect((await reading).length).toBe(100 * 64 * 1024)
    expect(files.peakDiskBytes).toBe(0)
    await files.dispose()
  })

  it('destroy() rejects the reader and the next write with the error, and dispose() removes the files', async () => {
    const where = await parent()
    const files = new SpoolFiles({ budget: 1024, parent: where })
    const spool = new MemberSpool(files)
    await spool.write(randomBytes(10_000))
    const reader = spool.read()
    await reader.next()
    const failure = new Error('worker failed')
    spool.destroy(failure)
    await expect(reader.next()).rejects.toBe(failure)
    await expect(spool.write(Buffer.from('more'))).rejects.toBe(failure)
    await files.dispose()
    expect(await readdir(where)).toEqual([])
  })

  it('a write on its way to the file when destroy() comes rejects with the error, and dispose() still removes the file', async () => {
    const where = await parent()
    const files = new SpoolFiles({ budget: 0, parent: where })
    const spool = new MemberSpool(files)
    const failure = new Error('another worker failed')
    // past the budget: the write opens the spool's file and writes to it, both on the thread pool
    const writing = spool.write(randomBytes(10_000))
    spool.destroy(failure)
    await expect(writing).rejects.toBe(failure)
    await files.dispose()
    expect(await readdir(where)).toEqual([])
  })
})
