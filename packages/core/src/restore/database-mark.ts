// The marks pgkeep leaves on the databases and roles it creates (COMMENT ON DATABASE / ROLE), so that
// a later run can tell its own debris from anything else: `pgkeep:scratch verify <backup id> pid <pid>
// host <hostname> at <iso>` on a verify's scratch database and role, `pgkeep:created restore pid <pid>
// host <hostname> at <iso>` on a database restore -C created and has not finished. Only a database or
// role carrying such a mark is ever dropped or reused. `at` is the server's clock, so that age is told
// by one clock whatever host wrote the mark.
import { hostname } from 'node:os'

export type MarkKind = 'scratch' | 'created'

export interface DatabaseMark {
  kind: MarkKind
  /** The backup a scratch database was made for (scratch marks only). */
  backupId: string | null
  pid: number
  host: string
  at: Date
}

const MARK = /^pgkeep:(scratch verify (\S+)|created restore) pid (\d+) host (\S+) at (\S+)$/

/** The mark's text: `kind` with this process's pid and host name, at `serverNow`. */
export function markText(kind: 'scratch', serverNow: Date, backupId: string): string
export function markText(kind: 'created', serverNow: Date): string
export function markText(kind: MarkKind, serverNow: Date, backupId?: string): string {
  const what = kind === 'scratch' ? `scratch verify ${backupId}` : 'created restore'
  return `pgkeep:${what} pid ${process.pid} host ${hostname().replace(/\s+/g, '_') || '-'} at ${serverNow.toISOString()}`
}

/** The mark a comment holds, or null for any other comment (or none). */
export function parseMark(comment: string | null | undefined): DatabaseMark | null {
  const match = comment ? MARK.exec(comment) : null
  if (!match) return null
  const at = new Date(match[5]!)
  if (Number.isNaN(at.getTime())) return null
  return { kind: match[2] ? 'scratch' : 'created', backupId: match[2] ?? null, pid: Number(match[3]), host: match[4]!, at }
}
