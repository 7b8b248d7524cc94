// Looks a password up in a libpq password file (~/.pgpass): lines host:port:database:user:password,
// "*" matches a whole field, "\" escapes ":" and "\". Invariant: like libpq on Unix, a file that is
// not a plain file or is group/world accessible is ignored (silently here; the reason is returned).

import type { FileSystem } from './file-system.js'

export interface PgpassKey {
  /** "localhost" for default-socket connections, the socket directory for others, else the host. */
  readonly host: string
  readonly port: string
  readonly dbname: string
  readonly user: string
}

export type PgpassResult =
  | { readonly found: true; readonly password: string }
  | { readonly found: false; readonly ignored?: 'not a plain file' | 'group or world accessible' | 'unreadable' }

/** The password of the first line of `content` that matches `key`, or undefined. */
export function findPgpassPassword(content: string, key: PgpassKey): string | undefined {
  if (key.dbname === '' || key.user === '') return undefined
  const fields = [key.host || 'localhost', key.port || '5432', key.dbname, key.user]
  for (const rawLine of content.split('\n')) {
    const line = rawLine.replace(/\r+$/, '')
    if (line === '' || line.startsWith('#')) continue
    let rest: string | undefined = line
    for (const field of fields) {
      rest = matchField(rest, field)
      if (rest === undefined) break
    }
    if (rest !== undefined) return unescapePassword(rest)
  }
  return undefined
}

export function lookupPgpass(path: string, key: PgpassKey, fs: FileSystem): PgpassResult {
  const info = fs.stat(path)
  if (info === undefined) return { found: false }
  if (fs.enforcesPermissions) {
    if (info.kind !== 'file') return { found: false, ignored: 'not a plain file' }
    if ((info.mode & 0o077) !== 0) return { found: false, ignored: 'group or world accessible' }
  }
  let content: string
  try {
    content = fs.readFile(path).toString('utf8')
  } catch {
    return { found: false, ignored: 'unreadable' }
  }
  const password = findPgpassPassword(content, key)
  return password === undefined || password === '' ? { found: false } : { found: true, password }
}

/**
 * Matches one ":"-terminated field at the start of `line` against `value`; returns the rest of the
 * line after the ":" on a match. "*" alone matches anything; "\x" stands for x.
 */
function matchField(line: string, value: string): string | undefined {
  if (line.startsWith('*:')) return line.slice(2)
  let i = 0
  let v = 0
  while (i < line.length) {
    let escaped = false
    if (line[i] === '\\') {
      i++
      escaped = true
      if (i >= line.length) return undefined
    }
    if (line[i] === ':' && !escaped) return v === value.length ? line.slice(i + 1) : undefined
    if (v >= value.length || line[i] !== value[v]) return undefined
    i++
    v++
  }
  return undefined
}

/** The password runs to the next unescaped ":" or the end of the line. */
function unescapePassword(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    let ch = text[i]!
    if (ch === ':') break
    if (ch === '\\' && i + 1 < text.length) ch = text[++i]!
    out += ch
  }
  return out
}
