// The temporary files fsStorage's puts leave when their process dies mid-write (`<key>.<16 hex>.partial`):
// found under a prefix, and removed one at a time. The puts still running in this process are not
// leftovers; their files are kept in a set that the listing skips. Symbolic links are never followed.
import { stat, unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { PgkeepError } from '../errors'
import type { IncompleteWrite } from './driver'
import { errorCode, fsError } from './fs-errors'
import { keyPath, resolveParent, TEMP_FILE } from './fs-paths'
import { readFolder } from './fs-walk'
import { isValidKey, validateKey } from './key'

/** `.<16 hex digits>.partial` */
const TEMP_SUFFIX_LENGTH = 1 + 16 + '.partial'.length

/** The leftover temporary files whose key starts with `prefix`, skipping the file names in `running` (the puts in progress). */
export async function* walkTempFiles(root: string, prefix: string, running: ReadonlySet<string>): AsyncGenerator<IncompleteWrite, void, undefined> {
  const folderKey = prefix.slice(0, prefix.lastIndexOf('/') + 1)
  yield* walkFolder(join(root, ...folderKey.split('/').filter(Boolean)), folderKey, prefix, root, running)
}

/** Removes one leftover: the file named by `write.name`, which must be a temporary file of `write.key`. */
export async function removeTempFile(root: string, write: IncompleteWrite): Promise<string | null> {
  const name = typeof write?.name === 'string' ? write.name : ''
  const key = typeof write?.key === 'string' ? write.key : ''
  validateKey(key)
  if (!(TEMP_FILE.test(name) && name.slice(0, -TEMP_SUFFIX_LENGTH) === key)) {
    throw new PgkeepError('STORAGE_INVALID', `${JSON.stringify(name)} is not a temporary file of ${JSON.stringify(key)} (<key>.<16 hex digits>.partial)`)
  }
  const parent = await resolveParent(root, key)
  if (!parent) return null
  try {
    await unlink(join(parent, basename(keyPath(root, name))))
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null
    throw fsError(error, `unable to remove ${JSON.stringify(name)} in ${root}`)
  }
  return parent
}

// --- internal ---

async function* walkFolder(path: string, folderKey: string, prefix: string, root: string, running: ReadonlySet<string>): AsyncGenerator<IncompleteWrite, void, undefined> {
  const dirents = await readFolder(path, `unable to list the temporary files of ${JSON.stringify(prefix)} in ${root}`)
  if (!dirents) return
  for (const dirent of dirents) {
    const name = folderKey + dirent.name
    if (dirent.isDirectory()) {
      const sub = `${name}/`
      if (sub.startsWith(prefix) || prefix.startsWith(sub)) yield* walkFolder(join(path, dirent.name), sub, prefix, root, running)
      continue
    }
    if (!dirent.isFile() || !TEMP_FILE.test(dirent.name)) continue
    const key = name.slice(0, -TEMP_SUFFIX_LENGTH)
    const file = join(path, dirent.name)
    if (!key.startsWith(prefix) || !isValidKey(key) || running.has(dirent.name)) continue
    try {
      const info = await stat(file)
      yield { key, name, size: info.size, modifiedAt: info.mtime }
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue // renamed into place or removed since the folder was read
      throw fsError(error, `unable to list the temporary files of ${JSON.stringify(prefix)} in ${root}`)
    }
  }
}
