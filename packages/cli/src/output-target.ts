// What a `-f` / `-o` path names, decided before anything is written. A regular file (or none yet) is
// written beside itself and renamed into place; but a rename over `/dev/null`, a named pipe or
// `/dev/stdout` would replace the device or the pipe with a regular file (as root it succeeds), so those
// are written directly, as pg_dump writes them. A symbolic link is followed: the file it points to is
// replaced and the link stays; an existing file's permissions (and, as root, its owner) carry over to the
// file that replaces it, as pg_dump's truncation in place keeps them. A folder, or a folder that does not
// exist, is refused at once, before the dump connects, naming the path.
import { readlinkSync, realpathSync, statSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { PgkeepError } from '@pgkeep/core/engine'

const OPEN_FILE = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/(self|\d+)\/fd\/\d+)$/

export type OutputTarget =
  /**
   * A regular file, or no file yet: write a temporary file beside `path`, rename it onto `path`. `keep`:
   * the existing file's permission bits and owner, which the new file takes over (a new one is 0600).
   */
  | { kind: 'file'; path: string; keep?: { mode: number; uid: number; gid: number } }
  /** A character device, a named pipe or a socket: open and write it as it is, nothing to rename. */
  | { kind: 'stream'; path: string }

/** `named` is the path as the user gave it (errors name it); a relative one starts at `cwd`. */
export function inspectOutputTarget(named: string, cwd = process.cwd()): OutputTarget {
  if (named === '') throw new PgkeepError('OPTIONS_INVALID', 'the output file name is empty')
  const path = resolve(cwd, named)
  // A process's open file (/dev/stdout, /dev/fd/3, /proc/self/fd/1) is written as it is, whatever it is
  if (OPEN_FILE.test(path)) return { kind: 'stream', path }
  const found = statOrError(path)
  if (found instanceof Error) {
    if (found.code !== 'ENOENT') throw cannotWrite(named, found)
    // Nothing there, or a link to nothing: the file will be created in the link's folder or the path's.
    const real = resolveLink(path)
    const folder = statOrError(dirname(real))
    if (folder instanceof Error) throw cannotWrite(named, folder, { folder: dirname(real) })
    if (!folder.isDirectory()) throw new PgkeepError('OUTPUT_FAILED', `cannot write ${named}: ${dirname(real)} is not a folder`)
    return { kind: 'file', path: real }
  }
  if (found.isDirectory()) throw new PgkeepError('OPTIONS_INVALID', `${named} is a folder: name the file to write, for example ${named.replace(/\/+$/, '')}/kos.sql.gz`)
  if (found.isFile()) return { kind: 'file', path: realpathSync(path), keep: { mode: found.mode & 0o7777, uid: found.uid, gid: found.gid } }
  return { kind: 'stream', path }
}

/** Where a write to `path` lands when nothing is there yet: the target of a link to nothing, else `path`. */
function resolveLink(path: string): string {
  try {
    return resolve(dirname(path), readlinkSync(path))
  } catch {
    return path
  }
}

function statOrError(path: string): Stats | NodeJS.ErrnoException {
  try {
    return statSync(path)
  } catch (error) {
    return error as NodeJS.ErrnoException
  }
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied'
  if (error.code === 'ENOTDIR') return 'a part of the path is not a folder'
  return error.message
}

/** OUTPUT_FAILED for `named`, saying why in words; `folder` is the one an ENOENT means (default: named's). */
export function cannotWrite(named: string, error: NodeJS.ErrnoException, more: { folder?: string; hint?: string } = {}): PgkeepError {
  const detail = error.code === 'ENOENT' ? `the folder ${more.folder ?? dirname(named)} does not exist` : describe(error)
  return new PgkeepError('OUTPUT_FAILED', `cannot write ${named}: ${detail}`, { cause: error, ...(more.hint ? { hint: more.hint } : {}) })
}
