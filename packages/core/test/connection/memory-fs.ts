// An in-memory FileSystem for pure resolution tests: files, sockets and directories by path.
// Invariant: every parent directory of a listed path exists; nothing else does.

import type { FileInfo, FileSystem } from '../../src/connection/file-system.js'

export interface MemoryEntry {
  kind?: FileInfo['kind']
  content?: string
  mode?: number
  uid?: number
}

export const EUID = 1000

export function memoryFs(entries: Record<string, MemoryEntry | string> = {}, options: { euid?: number } = {}): FileSystem & {
  reads: string[]
} {
  const table = new Map<string, Required<MemoryEntry>>()
  const euid = options.euid ?? EUID
  for (const [path, raw] of Object.entries(entries)) {
    const entry = typeof raw === 'string' ? { content: raw } : raw
    table.set(path, { kind: entry.kind ?? 'file', content: entry.content ?? '', mode: entry.mode ?? 0o600, uid: entry.uid ?? euid })
    for (let dir = parent(path); dir !== undefined; dir = parent(dir)) {
      if (!table.has(dir)) table.set(dir, { kind: 'directory', content: '', mode: 0o755, uid: 0 })
    }
  }
  const reads: string[] = []
  return {
    reads,
    euid,
    enforcesPermissions: true,
    stat(path) {
      const entry = table.get(path)
      return entry === undefined ? undefined : { kind: entry.kind, mode: entry.mode, uid: entry.uid }
    },
    readFile(path) {
      const entry = table.get(path)
      if (entry === undefined || entry.kind !== 'file') throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
      reads.push(path)
      return Buffer.from(entry.content, 'utf8')
    },
  }
}

function parent(path: string): string | undefined {
  const cut = path.lastIndexOf('/')
  if (cut <= 0) return path === '/' ? undefined : '/'
  return path.slice(0, cut)
}

export const socket: MemoryEntry = { kind: 'socket', mode: 0o777 }
