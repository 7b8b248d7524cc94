// SyncBehind on real files: when it starts a background fdatasync, that only one runs at a time, that
// settle() waits for it and starts no other, and that a failed sync (a real EBADF) surfaces.
import { closeSync, fdatasync, openSync, readFileSync, writeSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncBehind } from '../../src/index'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempFile(): Promise<{ path: string; fd: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sync-behind-'))
  dirs.push(dir)
  const path = join(dir, 'file')
  return { path, fd: openSync(path, 'wx', 0o600) }
}

/** node's fdatasync, recording each call and whether another was still running when it started. */
function recordingSync() {
  const calls: { fd: number; overlapped: boolean }[] = []
  let running = 0
  const sync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    calls.push({ fd, overlapped: running > 0 })
    running++
    fdatasync(fd, (error) => {
      running--
      done(error)
    })
  }
  return { calls, sync, running: () => running }
}

describe('SyncBehind', () => {
  it('starts a sync of the descriptor once a step of bytes was written, and none before', async () => {
    const { path, fd } = await tempFile()
    const rec = recordingSync()
    const behind = new SyncBehind(() => fd, 1000, rec.sync)
    const piece = Buffer.alloc(300, 'a')
    for (let i = 0; i < 3; i++) {
      writeSync(fd, piece)
      behind.wrote(piece.length)
    }
    expect(rec.calls).toEqual([])
    writeSync(fd, piece)
    behind.wrote(piece.length)
    expect(rec.calls).toEqual([{ fd, overlapped: false }])
    await behind.settle()
    expect(rec.running()).toBe(0)
    closeSync(fd)
    expect(readFileSync(path).length).toBe(1200)
  })

  it('runs one sync at a time: bytes written while one runs do not start another', async () => {
    const { fd } = await tempFile()
    const rec = recordingSync()
    const behind = new SyncBehind(() => fd, 100, rec.sync)
    for (let i = 0; i < 50; i++) {
      writeSync(fd, Buffer.alloc(100, 'b'))
      behind.wrote(100)
    }
    // all 50 steps came in one synchronous run: the first sync is still running, so it is the only one
    expect(rec.calls.length).toBe(1)
    await behind.settle()
    closeSync(fd)
  })

  it('starts the next sync after the running one ended, once another step was written', async () => {
    const { fd } = await tempFile()
    const rec = recordingSync()
    const behind = new SyncBehind(() => fd, 100, rec.sync)
    behind.wrote(100)
    expect(rec.calls.length).toBe(1)
    while (rec.running() > 0) await new Promise((resolve) => setTimeout(resolve, 1))
    behind.wrote(60)
    expect(rec.calls.length).toBe(1)
    behind.wrote(60)
    expect(rec.calls).toEqual([{ fd, overlapped: false }, { fd, overlapped: false }])
    await behind.settle()
    closeSync(fd)
  })

  it('settle() waits for the running sync and starts no other after it', async () => {
    const { fd } = await tempFile()
    let finish: (() => void) | null = null
    const calls: number[] = []
    const behind = new SyncBehind(() => fd, 10, (d, done) => {
      calls.push(d)
      finish = () => fdatasync(d, done)
    })
    behind.wrote(10)
    let settled = false
    const settling = behind.settle().then(() => {
      settled = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    finish!()
    await settling
    expect(settled).toBe(true)
    behind.wrote(1000)
    expect(calls).toEqual([fd])
    closeSync(fd)
  })

  it('starts nothing while the file has no descriptor yet, and syncs once it has one', async () => {
    const { fd } = await tempFile()
    const rec = recordingSync()
    let open: number | null = null
    const behind = new SyncBehind(() => open, 10, rec.sync)
    behind.wrote(50)
    expect(rec.calls).toEqual([])
    open = fd
    behind.wrote(1)
    expect(rec.calls).toEqual([{ fd, overlapped: false }])
    await behind.settle()
    closeSync(fd)
  })

  it("a failed sync (a closed descriptor: EBADF) is thrown by the next wrote() and by settle(), as node's error", async () => {
    const { fd } = await tempFile()
    closeSync(fd)
    const behind = new SyncBehind(() => fd, 10)
    behind.wrote(10)
    await expect(behind.settle()).rejects.toMatchObject({ code: 'EBADF', syscall: 'fdatasync' })
    expect(() => behind.wrote(1)).toThrow(expect.objectContaining({ code: 'EBADF' }))
  })
})
