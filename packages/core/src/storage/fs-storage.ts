// fsStorage(): backups as files under one directory, the embedded default. A put writes
// `<key>.<random>.partial` (mode 0600) next to its final place, fsyncs it and renames it into place, so a
// key shows either nothing or the whole object (a large put's data goes to disk while it is written:
// sync-behind.ts); on any failure the temporary file is removed. What a killed process left is listed by
// listIncomplete() (skipping this driver's puts in progress). A missing folder lists as an empty one;
// assertExists() tells them apart for a caller that only reads.
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { open, realpath, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { PgkeepError } from '../errors'
import { throwIfAborted } from './abort'
import { readBody, releasingBody, type PutBody } from './body'
import type { ByteRange, IncompleteWrite, PutOptions, StorageDriver, StoredObject } from './driver'
import { errorCode, fsError } from './fs-errors'
import { ensureParent, keyPath, resolveExisting, resolveParent, validateFsKey } from './fs-paths'
import { walkKeys } from './fs-walk'
import { removeTempFile, walkTempFiles } from './fs-temp-files'
import { validatePrefix } from './key'
import { mapStreamErrors } from './read-stream'
import { rangeNotSatisfiable, validateRange } from './range'
import { SyncBehind } from './sync-behind'

/** Bytes per read of a stored object. */
const READ_CHUNK = 256 * 1024

export interface FsStorageOptions {
  /** The directory holding the objects; a relative path is resolved against the working directory now. Created (0700) on the first put. @default './backups' */
  dir?: string
}

/**
 * A folder that is a file, or inside one, is a configuration mistake: refused when the storage is made
 * (`--dir /etc/passwd`), not after a backup has read the catalog. A folder not there yet is created on
 * the first put; one that cannot be read is reported when it is used.
 */
function refuseFileAsRoot(root: string): void {
  let info
  try {
    info = statSync(root)
  } catch (error) {
    if (errorCode(error) === 'ENOTDIR') throw new PgkeepError('STORAGE_INVALID', `fsStorage: ${root} cannot be a folder: a part of its path is a file`, { cause: error })
    return
  }
  if (!info.isDirectory()) throw new PgkeepError('STORAGE_INVALID', `fsStorage: ${root} is a file, not a folder: name the folder backups go to`)
}

/**
 * @example
 * const storage = fsStorage({ dir: './backups' })
 * await storage.put('2026/kostman-backup.sql.gz', dumpStream)
 */
export function fsStorage(options: FsStorageOptions = {}): StorageDriver {
  const { dir = './backups' } = options
  if (typeof dir !== 'string' || dir.trim() === '') throw new PgkeepError('STORAGE_INVALID', 'fsStorage: `dir` must be a non-empty path')
  const root = resolve(dir)
  refuseFileAsRoot(root)
  const where = (key: string) => `${JSON.stringify(key)} in ${root}`
  /** File names of the temporary files of puts in progress (unique: 64 random bits each). */
  const running = new Set<string>()

  return {
    kind: 'fs',

    put: (key: string, body: PutBody, putOptions: PutOptions = {}): Promise<StoredObject> => releasingBody(body, async () => {
      const { signal } = putOptions
      validateFsKey(key)
      throwIfAborted(key, signal)
      const name = basename(keyPath(root, key))
      const suffix = `.${randomBytes(8).toString('hex')}.partial`
      let parent = await ensureParent(root, key)
      let tempPath = join(parent, name + suffix)
      let handle: FileHandle | undefined
      // the disk writes behind the put, so that the fsync before the rename has little left to write
      const behind = new SyncBehind(() => handle?.fd)
      running.add(name + suffix)
      try {
        // a remove() of the folder's last key may prune the folder just created: create it again
        for (let attempt = 1; !handle; attempt++) {
          try {
            handle = await open(tempPath, 'wx', 0o600)
          } catch (error) {
            if (errorCode(error) !== 'ENOENT' || attempt === 3) throw error
            parent = await ensureParent(root, key)
            tempPath = join(parent, name + suffix)
          }
        }
        let size = 0
        for await (const chunk of readBody(key, body, signal)) {
          await writeAll(handle, chunk)
          size += chunk.length
          behind.wrote(chunk.length)
        }
        await behind.settle()
        await handle.sync()
        const { mtime } = await handle.stat()
        await handle.close()
        handle = undefined
        throwIfAborted(key, signal)
        await rename(tempPath, join(parent, name))
        await syncFolder(parent)
        return { key, size, modifiedAt: mtime }
      } catch (error) {
        await behind.settle().catch(() => {})
        await handle?.close().catch(() => {})
        await unlink(tempPath).catch(() => {})
        // Leave no empty folders behind either (the same pruning remove() does).
        await pruneFolders(parent, root).catch(() => {})
        throw fsError(error, `unable to store ${where(key)}`)
      } finally {
        running.delete(name + suffix)
      }
    }),

    async get(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
      validateFsKey(key)
      validateRange(key, range)
      const path = await resolveExisting(root, key)
      if (!path) throw notFound(key, root)
      let handle: FileHandle
      try {
        handle = await open(path, 'r')
      } catch (error) {
        if (['ENOENT', 'EISDIR'].includes(errorCode(error) ?? '')) throw notFound(key, root)
        throw fsError(error, `unable to read ${where(key)}`)
      }
      try {
        const info = await handle.stat()
        if (!info.isFile()) throw notFound(key, root)
        if (range && range.start >= info.size) throw rangeNotSatisfiable(key, range.start, info.size)
        // 256 KiB reads: a restore inflates what it reads in 256 KiB pieces, and node's 64 KiB default cost a
        // quarter of a second of the main thread per 180 MB read.
        const reads = { highWaterMark: READ_CHUNK }
        const stream = handle.createReadStream(range ? { ...reads, start: range.start, end: Math.min(range.end ?? Infinity, info.size - 1) } : reads)
        return mapStreamErrors(stream, (error) => fsError(error, `unable to read ${where(key)}`))
      } catch (error) {
        await handle.close().catch(() => {})
        throw fsError(error, `unable to read ${where(key)}`)
      }
    },

    async stat(key: string): Promise<StoredObject | null> {
      validateFsKey(key)
      const path = await resolveExisting(root, key)
      if (!path) return null
      try {
        const info = await stat(path)
        return info.isFile() ? { key, size: info.size, modifiedAt: info.mtime } : null
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return null
        throw fsError(error, `unable to stat ${where(key)}`)
      }
    },

    async assertExists(): Promise<void> {
      let info
      try {
        info = await stat(root)
      } catch (error) {
        const code = errorCode(error)
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          throw new PgkeepError('STORAGE_NOT_FOUND', `the backup folder ${root} does not exist`, {
            hint: 'check the path and that its volume is mounted; the folder is created by the first backup, never by listing, downloading or restoring',
            cause: error,
          })
        }
        throw fsError(error, `unable to look for the backup folder ${root}`)
      }
      if (!info.isDirectory()) throw new PgkeepError('STORAGE_INVALID', `the backup folder ${root} is a file, not a folder`)
    },

    async *list(prefix: string): AsyncIterable<StoredObject> {
      validatePrefix(prefix)
      yield* walkKeys(root, prefix)
    },

    async *listIncomplete(prefix: string): AsyncIterable<IncompleteWrite> {
      validatePrefix(prefix)
      yield* walkTempFiles(root, prefix, running)
    },

    async removeIncomplete(write: IncompleteWrite): Promise<void> {
      const parent = await removeTempFile(root, write)
      if (parent) await pruneFolders(parent, root)
    },

    async remove(key: string): Promise<void> {
      validateFsKey(key)
      const parent = await resolveParent(root, key)
      if (!parent) return
      try {
        await unlink(join(parent, basename(keyPath(root, key))))
      } catch (error) {
        // missing, or a folder of other keys: there is no object under this key
        if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errorCode(error) ?? '') && (await isNotFile(join(parent, basename(key))))) return
        throw fsError(error, `unable to remove ${where(key)}`)
      }
      await pruneFolders(parent, root)
    },
  }
}

// --- internal ---

function notFound(key: string, root: string): PgkeepError {
  return new PgkeepError('STORAGE_NOT_FOUND', `no object ${JSON.stringify(key)} in ${root}`)
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
    offset += bytesWritten
  }
}

/** Makes the rename durable; a failure here cannot undo it, so it is not fatal. */
async function syncFolder(path: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    await handle.sync()
  } catch {
    // some file systems cannot fsync a folder
  } finally {
    await handle?.close().catch(() => {})
  }
}

async function isNotFile(path: string): Promise<boolean> {
  try {
    return !(await stat(path)).isFile()
  } catch {
    return true
  }
}

/** Removes the folders a remove() left empty, up to (not including) the root; stops at the first one in use. */
async function pruneFolders(folder: string, root: string): Promise<void> {
  const rootReal = await realpath(root).catch(() => resolve(root))
  for (let current = folder; current !== rootReal && current.startsWith(rootReal); current = dirname(current)) {
    try {
      await rmdir(current)
    } catch {
      return
    }
  }
}
