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
      const st = statSync(path)
      const kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSocket() ? 'socket' : 'other'
      return { kind, mode: st.mode & 0o7777, uid: st.uid }
    } catch {
      return undefined
    }
  },
  readFile: (path) => readFileSync(path),
  euid: process.geteuid?.(),
  enforcesPermissions: process.platform !== 'win32',
}
