// CopySpill: a COPY block waits for its worker in memory while no other worker is free, and passes
// through a temporary file once one is, so the scan reads on; bytes come back in the order written, a
// file that cannot be created or written is no failure, files go once read, and a failure stops both sides.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CopySpill, type SpillPolicy } from '../../src/restore/copy-spill'
import { SpoolFiles } from '../../src/write/member-spool'

const folders: string[] = []
afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })))
})

async function parent(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'pgkeep-copy-spill-unit-'))
  folders.push(folder)
  return folder
}

/** A policy whose answer the test sets; changed() settles when it does. */
class Switch implements SpillPolicy {
  free = false
  failure: Error | null = null
  private waiting: (() => void)[] = []
  mayPass(): boolean {
    return this.free
  }
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve))
  }
  check(): void {
    if (this.failure) throw this.failure
  }
  set(free: boolean): void {
    this.free = free
    for (const resolve of this.waiting.splice(0)) resolve()
  }
  fail(error: Error): void {
    this.failure = error
    for (const resolve of this.waiting.splice(0)) resolve()
  }
}

const KIB = 1024
const chunks = (count: number, size = 64 * KIB) => Array.from({ length: count }, () => randomBytes(size))

async function readAll(spill: CopySpill): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const chunk of spill.read()) out.push(chunk)
  return Buffer.concat(out)
}

/** Resolves true if `promise` settles within `ms`, false if not. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

describe('CopySpill', () => {
  it('holds the scan at runAhead bytes while no worker is free, and gives every byte back in order', async () => {
    const files = new SpoolFiles({ budget: 0, parent: await parent() })
    const policy = new Switch()
    const spill = new CopySpill(files, 256 * KIB, policy)
    const data = chunks(8)
    for (const chunk of data.slice(0, 4)) await spill.write(chunk)
    // the fifth chunk waits: 256 KiB are held and nobody reads
    const held = spill.write(data[4]!)
    expect(await settlesWithin(held, 100)).toBe(false)
    const reading = readAll(spill)
    await held
    for (const chunk of data.slice(5)) await spill.write(chunk)
    spill.end()
    expect((await reading).equals(Buffer.concat(data))).toBe(true)
    expect(spill.spilled).toBe(0)
    expect(await files.folder()).toBeNull()
  })

  it('once another worker is free, writes the rest of the block to a file at once; the reader gets it after the memory part, and the file goes', async () => {
    const where = await parent()
    const files = new SpoolFiles({ budget: 0, parent: where })
    const policy = new Switch()
    const spill = new CopySpill(files, 128 * KIB, policy)
    const data = chunks(20)
    await spill.write(data[0]!)
    await spill.write(data[1]!)
    const waiting = spill.write(data[2]!)
    expect(await settlesWithin(waiting, 100)).toBe(false)
    // a worker becomes free: the waiting write and all later ones go to the file, nobody reading yet
    policy.set(true)
    await waiting
    for (const chunk of data.slice(3)) await spill.write(chunk)
    spill.end()
    expect(spill.spilled).toBe(18 * 64 * KIB)
    expect(files.peakDiskBytes).toBe(18 * 64 * KIB)
    const folder = (await files.folder())!
    expect(await readdir(folder)).toHaveLength(1)
    expect((await readAll(spill)).equals(Buffer.concat(data))).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await readdir(folder)).toEqual([])
    await files.dispose()
  })

  it('a file that cannot be created is no failure: the block waits in memory as before', async () => {
    const files = new SpoolFiles({ budget: 0, parent: join(await parent(), 'missing', 'folder') })
    const policy = new Switch()
    policy.set(true)
    const spill = new CopySpill(files, 128 * KIB, policy)
    const data = chunks(10)
    const reading = readAll(spill)
    for (const chunk of data) await spill.write(chunk)
    spill.end()
    expect((await reading).equals(Buffer.concat(data))).toBe(true)
    expect(spill.spilled).toBe(0)
  })

  it('a file write that fails (a full disk) keeps what the file holds, and the rest follows from memory, in order', async () => {
    const where = await parent()
    const real = new SpoolFiles({ budget: 0, parent: where })
    let writes = 0
    // the third write to the file fails with ENOSPC, as on a full disk
    const files = Object.assign(Object.create(real) as SpoolFiles, {
      async createFile(): Promise<FileHandle> {
        const handle = await real.createFile()
        const write = handle.write.bind(handle) as (...args: unknown[]) => Promise<unknown>
        return Object.assign(Object.create(handle) as FileHandle, {
          write: (...args: unknown[]) => (++writes === 3 ? Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })) : write(...args)),
          read: handle.read.bind(handle),
          close: handle.close.bind(handle),
        })
      },
    })
    const policy = new Switch()
    policy.set(true)
    const spill = new CopySpill(files, 128 * KIB, policy)
    const data = chunks(12)
    const writing = (async () => {
      for (const chunk of data) await spill.write(chunk)
      spill.end()
    })()
    // the writer spills two chunks, then holds the rest in memory and waits for the reader
    expect(await settlesWithin(writing, 200)).toBe(false)
    expect(spill.spilled).toBe(2 * 64 * KIB)
    expect((await readAll(spill)).equals(Buffer.concat(data))).toBe(true)
    await writing
    await real.dispose()
  })

  it('destroy() stops the reader and the writer with the error, and removes the file', async () => {
    const where = await parent()
    const files = new SpoolFiles({ budget: 0, parent: where })
    const policy = new Switch()
    policy.set(true)
    const spill = new CopySpill(files, 64 * KIB, policy)
    for (const chunk of chunks(4)) await spill.write(chunk)
    const folder = (await files.folder())!
    expect(await readdir(folder)).toHaveLength(1)
    const damaged = new Error('the script is damaged')
    spill.destroy(damaged)
    await expect(readAll(spill)).rejects.toBe(damaged)
    await expect(spill.write(randomBytes(10))).rejects.toBe(damaged)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await readdir(folder)).toEqual([])
  })

  it('a writer held for its worker sees the restore\'s failure', async () => {
    const files = new SpoolFiles({ budget: 0, parent: await parent() })
    const policy = new Switch()
    const spill = new CopySpill(files, 64 * KIB, policy)
    await spill.write(randomBytes(64 * KIB))
    const held = spill.write(randomBytes(64 * KIB))
    expect(await settlesWithin(held, 100)).toBe(false)
    const failure = new Error('a worker failed')
    policy.fail(failure)
    await expect(held).rejects.toBe(failure)
  })

  it('a reader that stops early (its COPY failed) lets a held writer go on to see the failure', async () => {
    const files = new SpoolFiles({ budget: 0, parent: await parent() })
    const policy = new Switch()
    const spill = new CopySpill(files, 64 * KIB, policy)
    await spill.write(randomBytes(64 * KIB))
    const held = spill.write(randomBytes(64 * KIB))
    const reader = spill.read()
    await reader.next()
    await reader.return(undefined)
    // the reader gave the memory back: the writer is released; the pool's failure is what stops it next
    expect(await settlesWithin(held, 200)).toBe(true)
  })
})
