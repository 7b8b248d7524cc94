// The file a dump is written to: a temporary file beside it until everything is on disk, then renamed into
// place; nothing under the final name or beside it after a discard. Large enough to cross the core's
// sync-behind step, so the background syncs run while the file is written and before it is closed.
// What is not a regular file (a device, a named pipe, a process's open file) is written as it is and
// stays what it was; a link is followed; a folder, or a folder that is not there, is refused at once.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { closeSync, createReadStream, existsSync, fdatasync, fstatSync, lstatSync, openSync, readlinkSync, statSync } from 'node:fs'
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { isPgkeepError, SyncBehind, SYNC_BEHIND_BYTES } from '@pgkeep/core'
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
    const destination = await openFileDestination(path)
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
    const destination = await openFileDestination(path, { syncBehind: (fd) => new SyncBehind(fd, MiB, sync) })
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
    const destination = await openFileDestination(path)
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
    const destination = await openFileDestination(path)
    await writeAll(destination.stream as NodeJS.WritableStream, data, SYNC_BEHIND_BYTES + 4 * MiB)
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toHaveLength(1)
    await destination.discard()
    expect(await readdir(dir)).toEqual([])
  })

  it('a named pipe is written as it is: its reader gets every byte (gzip members too) and it stays a pipe', async () => {
    const dir = await tempDir()
    const fifo = join(dir, 'to-gzip')
    execFileSync('mkfifo', [fifo])
    const data = rows(3 * MiB)
    for (const gzip of [false, true]) {
      // the open waits for the reader, as pg_dump's does
      const read = (async () => {
        const chunks: Buffer[] = []
        for await (const chunk of createReadStream(fifo)) chunks.push(chunk as Buffer)
        return Buffer.concat(chunks)
      })()
      const destination = await openFileDestination(fifo, { gzip })
      await writeAll(destination.stream as NodeJS.WritableStream, data)
      await destination.commit()
      const got = await read
      expect(sha(gzip ? gunzipSync(got) : got)).toBe(sha(data))
      expect(lstatSync(fifo).isFIFO()).toBe(true)
      expect(await readdir(dir)).toEqual(['to-gzip'])
    }
  })

  it('a character device (/dev/null, or a node of it made for the test as root) stays a device', async () => {
    const dir = await tempDir()
    // As root a rename over /dev/null succeeds and replaces the device: the root case writes a node of
    // its own, so that a regression breaks the test's folder and not the machine.
    let device = '/dev/null'
    if (process.getuid?.() === 0) {
      device = join(dir, 'null')
      execFileSync('mknod', ['-m', '666', device, 'c', '1', '3'])
    }
    const destination = await openFileDestination(device)
    await writeAll(destination.stream as NodeJS.WritableStream, rows(2 * MiB))
    await destination.commit()
    const after = lstatSync(device)
    expect(after.isCharacterDevice()).toBe(true)
    expect(after.rdev).toBe(statSync('/dev/null').rdev)
    expect((await readdir(dir)).filter((f) => f !== 'null')).toEqual([])
  })

  it("a process's open file (/dev/fd/N) is written through that descriptor: same file, no rename", async () => {
    const dir = await tempDir()
    const path = join(dir, 'redirected.sql')
    const fd = openSync(path, 'w')
    try {
      const inode = fstatSync(fd).ino
      const data = rows(MiB)
      const destination = await openFileDestination(`/dev/fd/${fd}`)
      await writeAll(destination.stream as NodeJS.WritableStream, data)
      await destination.commit()
      expect(statSync(path).ino).toBe(inode)
      expect(sha(await readFile(path))).toBe(sha(data))
      expect(await readdir(dir)).toEqual(['redirected.sql'])
    } finally {
      closeSync(fd)
    }
  })

  it('a link is followed: the file it points to is replaced and the link stays; a link to nothing yet creates its target', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'old.sql'), 'the previous dump\n')
    await symlink('old.sql', join(dir, 'latest.sql'))
    const data = rows(MiB)
    let destination = await openFileDestination(join(dir, 'latest.sql'))
    await writeAll(destination.stream as NodeJS.WritableStream, data)
    await destination.commit()
    expect(readlinkSync(join(dir, 'latest.sql'))).toBe('old.sql')
    expect(sha(await readFile(join(dir, 'old.sql')))).toBe(sha(data))

    await symlink('new.sql', join(dir, 'next.sql'))
    destination = await openFileDestination(join(dir, 'next.sql'))
    await writeAll(destination.stream as NodeJS.WritableStream, data)
    await destination.commit()
    expect(readlinkSync(join(dir, 'next.sql'))).toBe('new.sql')
    expect(sha(await readFile(join(dir, 'new.sql')))).toBe(sha(data))
    expect((await readdir(dir)).sort()).toEqual(['latest.sql', 'new.sql', 'next.sql', 'old.sql'])
  })

  it("a file written over keeps the old file's permissions (and, as root, its owner); a new one is 0600", async () => {
    const dir = await tempDir()
    const path = join(dir, 'kos.sql.gz')
    await writeFile(path, 'the previous dump\n')
    await chmod(path, 0o640)
    const root = process.getuid?.() === 0
    // as root: a file of another owner and group, which the new file must keep
    if (root) await chown(path, 12345, 23456)
    const data = rows(MiB)
    const destination = await openFileDestination(path)
    await writeAll(destination.stream as NodeJS.WritableStream, data)
    await destination.commit()
    const after = await stat(path)
    expect(after.mode & 0o7777).toBe(0o640)
    if (root) expect([after.uid, after.gid]).toEqual([12345, 23456])
    else expect(after.uid).toBe(process.getuid?.())
    expect(sha(gunzipSync(await readFile(path)))).toBe(sha(data))
    expect(await readdir(dir)).toEqual(['kos.sql.gz'])
    // a discarded write leaves the old file as it was, permissions and all
    const discarded = await openFileDestination(path)
    await writeAll(discarded.stream as NodeJS.WritableStream, rows(1000))
    await discarded.discard()
    expect((await stat(path)).mode & 0o7777).toBe(0o640)
    expect(sha(gunzipSync(await readFile(path)))).toBe(sha(data))
    expect(await readdir(dir)).toEqual(['kos.sql.gz'])
  })

  it('a relative path starts at the given folder', async () => {
    const dir = await tempDir()
    const destination = await openFileDestination('kos.sql', { cwd: dir })
    await writeAll(destination.stream as NodeJS.WritableStream, rows(1000))
    await destination.commit()
    expect(await readdir(dir)).toEqual(['kos.sql'])
  })

  it('refuses a folder, a folder that is not there, a file as a folder and an empty name, naming the path and creating nothing', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'plain'), 'x')
    const refusal = async (path: string) => {
      const error = await openFileDestination(path).then(() => null, (e: unknown) => e)
      if (!isPgkeepError(error)) throw new Error(`${path}: expected a PgkeepError, got ${String(error)}`)
      return { code: error.code, message: error.message, cause: (error.cause as NodeJS.ErrnoException | undefined)?.code }
    }
    expect(await refusal(dir)).toEqual({ code: 'OPTIONS_INVALID', message: `${dir} is a folder: name the file to write, for example ${dir}/kos.sql.gz`, cause: undefined })
    expect(await refusal(join(dir, 'missing', 'kos.sql'))).toEqual({
      code: 'OUTPUT_FAILED',
      message: `cannot write ${join(dir, 'missing', 'kos.sql')}: the folder ${join(dir, 'missing')} does not exist`,
      cause: 'ENOENT',
    })
    expect(await refusal(join(dir, 'plain', 'kos.sql'))).toEqual({
      code: 'OUTPUT_FAILED',
      message: `cannot write ${join(dir, 'plain', 'kos.sql')}: a part of the path is not a folder`,
      cause: 'ENOTDIR',
    })
    expect(await refusal('')).toEqual({ code: 'OPTIONS_INVALID', message: 'the output file name is empty', cause: undefined })
    expect((await readdir(dir)).sort()).toEqual(['plain'])
  })
})
