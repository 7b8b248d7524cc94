// Writes a dump, or a downloaded backup, to a file without ever leaving a partial one under the final
// name: bytes go to a temporary file next to it (a dump's gzip-compressed when the name ends in .gz;
// a download's as they come), which is renamed into place
// only after everything was written and flushed, and removed on failure. A .gz file is written as the
// core's gzip members, so that a dump with jobs compresses its tables on several cores. The disk writes
// behind the dump (the core's SyncBehind), so that the fsync before the rename has little left to do.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GzipMembers, SyncBehind } from '@pgkeep/core/engine'

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
  /** Makes what syncs the file while it is written (a test's step and sync). */
  syncBehind?: (fd: () => number | null) => SyncBehind
}

export function openFileDestination(path: string, options: FileDestinationOptions = {}): FileDestination {
  const { gzip: compress = path.endsWith('.gz'), syncBehind = (fd) => new SyncBehind(fd) } = options
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`)
  const file = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true })
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
      await rename(temp, path)
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
