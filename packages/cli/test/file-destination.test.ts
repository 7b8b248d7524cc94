// The file a dump is written to: a temporary file beside it until everything is on disk, then renamed into
// place; nothing under the final name or beside it after a discard. Large enough to cross the core's
// sync-behind step, so the background syncs run while the file is written and before it is closed.
import { createHash } from 'node:crypto'
import { existsSync, fdatasync, fstatSync, statSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { SyncBehind, SYNC_BEHIND_BYTES } from '@pgkeep/core'
import { afterEach, describe, expect, it } from 'vitest'
import { openFileDestination } from '../src/file-destination'

const MiB = 1024 * 1024
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-file-destination-'))
  dirs.push(dir)
  return dir
}

/** Text like a dump's COPY rows, `size` bytes, different on every line. */
function rows(size: number): Buffer {
  const out = Buffer.alloc(size)
  let at = 0
  for (let i = 0; at < size; i++) at += out.write(`${i}\troom ${i % 977}\t2026-12-05 10:00:00+00\t${(i * 7.31).toFixed(2)}\n`, at)
  return out
}

/** Writes `data` to the destination's stream in 64 KiB pieces, waiting for drain as the dump does. */
async function writeAll(stream: Pick<NodeJS.WritableStream, 'write' | 'once'>, data: Buffer, upTo = data.length): Promise<void> {
  for (let at = 0; at < upTo; at += 64 * 1024) {
    if (!stream.write(data.subarray(at, Math.min(at + 64 * 1024, upTo)))) await new Promise((resolve) => stream.once('drain', resolve))
  }
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

describe('openFileDestination', () => {
  it(`a plain file of more than two sync-behind steps (${2 * SYNC_BEHIND_BYTES / MiB + 5} MiB) lands whole, 0600, with no temporary file left`, async () => {
    const dir = await tempDir()
    const path = join(dir, 'kos.sql')
    const data = rows(2 * SYNC_BEHIND_BYTES + 5 * MiB)
    const destination = openFileDestination(path)
    await writeAll(destination.stream as NodeJS.WritableStream, data)
    expect(existsSync(path)).toBe(false)
    await destination.commit()
    expect(await readdir(dir)).toEqual(['kos.sql'])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(sha(await readFile(path))).toBe(sha(data))
  })

  it('syncs the temporary file while it is written, one sync at a time, and none is running when it lands', async () => {
    const dir = await tempDir()
    const path = join(dir, 'kos.sql')
    const data = rows(12 * MiB)
    const synced: { inode: number; overlapped: boolean }[] = []
    let running = 0
    const sync = (d: number, done: (error: NodeJS.ErrnoException | null) => void) => {
      synced.push({ inode: fstatSync(d).ino, overlapped: running > 0 })
      running++
      fdatasync(d, (error) => {
        running--
        done(error)
      })
    }
    const destination = openFileDestination(path, { syncBehind: (fd) => new SyncBehind(fd, MiB, sync) })
    await writeAll(destination.stream as NodeJS.WritableStream, data)
    await destination.commit()
    expect(running).toBe(0)
    // at least one, at most one per MiB (fewer while the writes outpace a sync)
    expect(synced.length).toBeGreaterThanOrEqual(1)
    expect(synced.length).toBeLessThanOrEqual(12)
    expect(synced.every((s) => !s.overlapped)).toBe(true)
    // the temporary file was synced: it is the file now under the final name (same inode)
    expect(new Set(synced.map((s) => s.inode))).toEqual(new Set([statSync(path).ino]))
    expect(sha(await readFile(path))).toBe(sha(data))
  })

  it('a .gz file is gzip members that inflate to what was written', async () => {
    const dir = await tempDir()
    const path = join(dir, 'kos.sql.gz')
    const data = rows(SYNC_BEHIND_BYTES + 3 * MiB)
    const destination = openFileDestination(path)
    // GzipMembers: write() and 'drain', as a writable
    await writeAll(destination.stream as unknown as NodeJS.WritableStream, data)
    await destination.commit()
    expect(await readdir(dir)).toEqual(['kos.sql.gz'])
    expect(sha(gunzipSync(await readFile(path)))).toBe(sha(data))
  })

  it('a discard after a sync-behind step leaves nothing, neither the file nor its temporary one', async () => {
    const dir = await tempDir()
    const path = join(dir, 'kos.sql')
    const data = rows(SYNC_BEHIND_BYTES + 8 * MiB)
    const destination = openFileDestination(path)
    await writeAll(destination.stream as NodeJS.WritableStream, data, SYNC_BEHIND_BYTES + 4 * MiB)
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toHaveLength(1)
    await destination.discard()
    expect(await readdir(dir)).toEqual([])
  })
})
