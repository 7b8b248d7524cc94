// Writes a dump to a file without ever leaving a partial one under the final name: bytes go to a
// temporary file next to it (gzip-compressed when the name ends in .gz), which is renamed into place
// only after everything was written and flushed, and removed on failure. A .gz file is written as the
// core's gzip members, so that a dump with jobs compresses its tables on several cores.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { GzipMembers } from '@pgkeep/core'

export interface FileDestination {
  /** Where the dump writes. */
  stream: Writable | GzipMembers
  /** Flushes, syncs and renames into place. */
  commit(): Promise<void>
  /** Removes the temporary file. */
  discard(): Promise<void>
}

export function openFileDestination(path: string): FileDestination {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`)
  const file = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true })
  const gzip = path.endsWith('.gz') ? new GzipMembers(6) : null
  const done = gzip ? pipeline(gzip.output, file) : finished(file)
  // The dump reports write failures itself; keep the promise from being an unhandled rejection.
  done.catch(() => {})
  return {
    stream: gzip ?? file,
    async commit() {
      if (gzip) await gzip.finish()
      else file.end()
      await done
      await rename(temp, path)
    },
    async discard() {
      if (gzip) gzip.destroy(new Error('the dump was discarded'))
      file.destroy()
      await done.catch(() => {})
      await rm(temp, { force: true })
    },
  }
}
