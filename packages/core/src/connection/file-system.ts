// The little file-system access connection resolution needs (stat and read), behind an interface
// so resolution can be tested without touching the machine. Invariant: stat never throws.

import { readFileSync, statSync } from 'node:fs'

export interface FileInfo {
  readonly kind: 'file' | 'directory' | 'socket' | 'other'
  /** Permission bits (mode & 0o7777). */
  readonly mode: number
  readonly uid: number
}

export interface FileSystem {
  /** undefined when the path does not exist or cannot be examined. */
  stat(path: string): FileInfo | undefined
  /** Throws the underlying error when the file cannot be read. */
  readFile(path: string): Buffer
  /** Effective user id, for libpq's "owned by the current user" checks; undefined where unknown. */
  readonly euid: number | undefined
  /** Whether permission bits mean anything (libpq skips its checks on Windows). */
  readonly enforcesPermissions: boolean
}

export const nodeFileSystem: FileSystem = {
  stat(path) {
    try {
      // Always { bigint: true }. A plain statSync()/lstatSync() of a socket or FIFO (the server's
      // .s.PGSQL.<port>) leaves Node's shared stat buffer in a state that makes the module loader's
      // realpath stop following symlinks: a later import() under pnpm's node_modules layout (minio,
      // loaded on first S3 use) then fails with ERR_MODULE_NOT_FOUND. nodejs/node#51142, seen on
      // Node 20.10 to 20.20. The bigint variant writes to a separate buffer the loader never reads.
      const st = statSync(path, { bigint: true, throwIfNoEntry: false })
      if (!st) return undefined
      const kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSocket() ? 'socket' : 'other'
      return { kind, mode: Number(st.mode & 0o7777n), uid: Number(st.uid) }
    } catch {
      return undefined
    }
  },
  readFile: (path) => readFileSync(path),
  euid: process.geteuid?.(),
  enforcesPermissions: process.platform !== 'win32',
}
