// list() of fsStorage: walks the folders lazily, one folder read at a time, in key order. A folder sorts
// as its name plus "/", which is where all its keys sort, so `a-b` < `a.c` < `a/…` < `ab` as in S3.
// Temporary files of puts in progress, symbolic links and names that are not valid keys are skipped.
import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoredObject } from './driver'
import { errorCode, fsError } from './fs-errors'
import { TEMP_FILE } from './fs-paths'
import { compareKeys, isValidKey } from './key'

export async function* walkKeys(root: string, prefix: string): AsyncGenerator<StoredObject, void, undefined> {
  const folderKey = prefix.slice(0, prefix.lastIndexOf('/') + 1)
  yield* walkFolder(join(root, ...folderKey.split('/').filter(Boolean)), folderKey, prefix, root)
}

// --- internal ---

interface Entry {
  name: string
  folder: boolean
  /** The entry's key, with a trailing "/" for folders. */
  key: string
}

/** A folder's entries, or null when it is not there (or not a folder); `what` names a failure. */
export async function readFolder(path: string, what: string): Promise<Dirent[] | null> {
  try {
    return await readdir(path, { withFileTypes: true })
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw fsError(error, what)
  }
}

async function* walkFolder(path: string, folderKey: string, prefix: string, root: string): AsyncGenerator<StoredObject, void, undefined> {
  const dirents = await readFolder(path, `unable to list ${JSON.stringify(prefix)} in ${root}`)
  if (!dirents) return
  const entries: Entry[] = []
  for (const dirent of dirents) {
    if (dirent.isDirectory()) entries.push({ name: dirent.name, folder: true, key: `${folderKey}${dirent.name}/` })
    else if (dirent.isFile() && !TEMP_FILE.test(dirent.name)) entries.push({ name: dirent.name, folder: false, key: folderKey + dirent.name })
  }
  entries.sort((a, b) => compareKeys(a.key, b.key))
  for (const entry of entries) {
    if (entry.folder) {
      if (entry.key.startsWith(prefix) || prefix.startsWith(entry.key)) yield* walkFolder(join(path, entry.name), entry.key, prefix, root)
      continue
    }
    if (!entry.key.startsWith(prefix) || !isValidKey(entry.key)) continue
    try {
      const info = await stat(join(path, entry.name))
      yield { key: entry.key, size: info.size, modifiedAt: info.mtime }
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue // removed since the folder was read
      throw fsError(error, `unable to list ${JSON.stringify(prefix)} in ${root}`)
    }
  }
}
