// Writes a dump, or a downloaded backup, to a file without ever leaving a partial one under the final
// name: bytes go to a temporary file next to it (a dump's gzip-compressed when the name ends in .gz;
// a download's as they come), which is renamed into place
// only after everything was written and flushed, and removed on failure. A .gz file is written as the
// core's gzip members, so that a dump with jobs compresses its tables on several cores. The disk writes
// behind the dump (the core's SyncBehind), so that the fsync before the rename has little left to do.
// A device, a named pipe or a process's open file (`-f /dev/null`, `-f /dev/stdout`) is written as it is
// (output-target.ts says why); the path is checked, and the file opened, before the dump connects.
import { randomBytes } from 'node:crypto'
import { closeSync, createWriteStream, fchmod, fchown, open } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { GzipMembers, SyncBehind } from '@pgkeep/core/engine'
import { cannotWrite, inspectOutputTarget } from './output-target'

export interface FileDestination {
  /** Where the dump writes. */
  stream: Writable | GzipMembers
  /** Flushes, syncs and renames into place. */
  commit(): Promise<void>
  /** Removes the temporary file. */
  discard(): Promise<void>
}

export interface FileDestinationOptions {
  /** Write the bytes gzip-compressed (as gzip members). @default the path ends in .gz */
  gzip?: boolean
  /** Where a relative path starts. @default process.cwd() */
  cwd?: string
  /** Makes what syncs the file while it is written (a test's step and sync). */
  syncBehind?: (fd: () => number | null) => SyncBehind
}

export async function openFileDestination(path: string, options: FileDestinationOptions = {}): Promise<FileDestination> {
  const { gzip: compress = path.endsWith('.gz'), syncBehind = (fd) => new SyncBehind(fd), cwd } = options
  const target = inspectOutputTarget(path, cwd)
  if (target.kind === 'stream') return openStream(target.path, path, compress)
  const temp = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(6).toString('hex')}.partial`)
  const fd = await openFd(temp, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    const denied = error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS'
    throw cannotWrite(path, error, denied ? { hint: `pgkeep writes a temporary file in ${dirname(target.path)} and renames it into place: that folder must be writable` } : {})
  })
  if (target.keep) {
    await keepAttributes(fd, target.keep).catch(async (error: NodeJS.ErrnoException) => {
      closeSync(fd)
      await rm(temp, { force: true })
      throw cannotWrite(path, error)
    })
  }
  const file = createWriteStream('', { fd, flush: true })
  const behind = syncBehind(() => (file as unknown as { fd: number | null }).fd)
  // Counts what goes to the file; its end waits for the background sync, before the file's own fsync and close.
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        behind.wrote(chunk.length)
      } catch (error) {
        done(error as Error)
        return
      }
      done(null, chunk)
    },
    flush(done) {
      behind.settle().then(() => done(), done)
    },
  })
  const gzip = compress ? new GzipMembers(6) : null
  const done = gzip ? pipeline(gzip.output, counted, file) : pipeline(counted, file)
  // The dump reports write failures itself; keep the promise from being an unhandled rejection.
  done.catch(() => {})
  return {
    stream: gzip ?? counted,
    async commit() {
      if (gzip) await gzip.finish()
      else counted.end()
      await done
      await rename(temp, target.path)
    },
    async discard() {
      // a sync must not outlive the descriptor it syncs (destroying any stream of the pipeline closes it)
      await behind.settle().catch(() => {})
      if (gzip) gzip.destroy(new Error('the dump was discarded'))
      counted.destroy()
      file.destroy()
      await done.catch(() => {})
      await rm(temp, { force: true })
    },
  }
}

/** A device, a pipe or an open file: written in place, not synced (a pipe cannot be), nothing to rename or remove. */
async function openStream(path: string, named: string, compress: boolean): Promise<FileDestination> {
  // a named pipe's open waits for its reader, as pg_dump's does, off the main thread
  const fd = await openFd(path, 'w', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw cannotWrite(named, error)
  })
  const file = createWriteStream('', { fd })
  const gzip = compress ? new GzipMembers(6) : null
  const done = gzip ? pipeline(gzip.output, file) : null
  done?.catch(() => {})
  return {
    stream: gzip ?? file,
    async commit() {
      if (gzip) await gzip.finish()
      else file.end()
      await (done ?? finished(file))
    },
    async discard() {
      if (gzip) gzip.destroy(new Error('the dump was discarded'))
      file.destroy()
      await done?.catch(() => {})
    },
  }
}

/**
 * The replaced file's permission bits, and as root its owner, on the file that replaces it (a dump over
 * a 0640 file owned by the backup group stays readable by that group). Not root, the owner is whoever
 * writes, as with any new file.
 */
async function keepAttributes(fd: number, keep: { mode: number; uid: number; gid: number }): Promise<void> {
  if (process.getuid?.() === 0) await promisify(fchown)(fd, keep.uid, keep.gid)
  await promisify(fchmod)(fd, keep.mode)
}

/** fs.open as a promise of the plain descriptor, which the write stream then owns and closes. */
function openFd(path: string, flags: string, mode: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd))))
}
