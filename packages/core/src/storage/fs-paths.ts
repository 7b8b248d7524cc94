// Where a key lives under fsStorage's directory, and the checks that keep it there: key rules (key.ts)
// stop `..` and absolute keys; here a folder on the way that is a symbolic link to somewhere outside the
// directory is refused too (one realpath per operation). Folders are created 0700: backups are private.
import { mkdir, realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { PgkeepError } from '../errors'
import { errorCode, fsError } from './fs-errors'
import { validateKey } from './key'

/** Temporary files of put(): `<key>.<16 hex digits>.partial`, next to where the key will appear. */
export const TEMP_FILE = /\.[0-9a-f]{16}\.partial$/

/** The shared key rules, and one of fsStorage: a name that looks like its temporary files is reserved. */
export function validateFsKey(key: string): void {
  validateKey(key)
  if (TEMP_FILE.test(key)) {
    throw new PgkeepError('STORAGE_INVALID', `invalid storage key ${JSON.stringify(key)}: names ending in .<16 hex digits>.partial are fsStorage's temporary files`)
  }
}

export function keyPath(root: string, key: string): string {
  return join(root, ...key.split('/'))
}

/**
 * Creates the key's parent folders (and the root) where missing and returns the parent's real path.
 * Throws STORAGE_INVALID when a folder on the way leads outside the root.
 */
export async function ensureParent(root: string, key: string): Promise<string> {
  const action = `unable to create the folder of ${JSON.stringify(key)} in ${root}`
  try {
    await mkdir(root, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      const code = errorCode(error)
      // the storage's own folder became a file (or a file took a place on its path) since it was made
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new PgkeepError('STORAGE_INVALID', `${action}: ${root} is not a folder (${code})`, { cause: error })
      throw error
    })
    const rootReal = await realpath(root)
    const segments = key.split('/').slice(0, -1)
    try {
      return inside(rootReal, await realpath(join(root, ...segments)), key)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
    }
    // one level at a time, so that mkdir never follows a link out of the root
    let current = rootReal
    for (const segment of segments) {
      try {
        await mkdir(join(current, segment), { mode: 0o700 })
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error
      }
      current = inside(rootReal, await realpath(join(current, segment)), key)
    }
    return current
  } catch (error) {
    throw fsError(error, action)
  }
}

/** The real path of an existing key inside the root, or null when there is nothing (or no folder) there. */
export async function resolveExisting(root: string, key: string): Promise<string | null> {
  let rootReal: string
  let real: string
  try {
    rootReal = await realpath(root)
    real = await realpath(keyPath(root, key))
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw fsError(error, `unable to find ${JSON.stringify(key)} in ${root}`)
  }
  return inside(rootReal, real, key)
}

/** The real path of the key's parent folder inside the root, or null when it does not exist. */
export async function resolveParent(root: string, key: string): Promise<string | null> {
  const parentKey = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : ''
  try {
    const rootReal = await realpath(root)
    return inside(rootReal, await realpath(join(root, ...parentKey.split('/').filter(Boolean))), key)
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw fsError(error, `unable to find the folder of ${JSON.stringify(key)} in ${root}`)
  }
}

// --- internal ---

function inside(rootReal: string, real: string, key: string): string {
  if (real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) return real
  throw new PgkeepError('STORAGE_INVALID', `storage key ${JSON.stringify(key)} leads outside the storage directory through a symbolic link`)
}
