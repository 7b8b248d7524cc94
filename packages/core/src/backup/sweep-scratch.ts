// The debris of verifies that never finished (a process killed mid-run): scratch databases and roles
// named `pgkeep_verify_…` that carry pgkeep's scratch mark (database-mark.ts). The next verify() and
// cleanup() drop those older than the stale age, by the server's clock. A running verify keeps a session
// in its scratch database from before the mark is written until it drops it, and DROP DATABASE without
// FORCE refuses a database with a session, so a verify still running (on any host) is never broken.
// Anything without the mark is never touched.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { parseMark } from '../restore/database-mark'

export interface ScratchSweep {
  /** Stale scratch databases dropped (with dryRun: that would be). */
  databases: string[]
  /** Stale scratch roles dropped (with dryRun: that would be). */
  roles: string[]
  /** Stale scratch databases and roles left where they are, and why (sessions connected, a drop refused). */
  left: { kind: 'database' | 'role'; name: string; reason: string }[]
}

export interface SweepOptions {
  /** Age in seconds from which a marked scratch object counts as left behind. */
  staleSeconds: number
  /** Find and report, drop nothing. @default false */
  dryRun?: boolean
}

interface Candidate {
  name: string
  comment: string | null
  now: Date
  sessions: string
}

export async function sweepScratch(client: pg.Client, o: SweepOptions): Promise<ScratchSweep> {
  const sweep: ScratchSweep = { databases: [], roles: [], left: [] }
  const databases = await client.query<Candidate>(`
    SELECT d.datname AS name, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment, now() AS now,
           (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid) AS sessions
      FROM pg_catalog.pg_database d WHERE d.datname LIKE 'pgkeep\\_verify\\_%' ORDER BY 1`)
  for (const db of stale(databases.rows, o.staleSeconds)) {
    await drop(client, sweep, 'database', db, o.dryRun ?? false)
  }
  const roles = await client.query<Candidate>(`
    SELECT r.rolname AS name, pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment, now() AS now,
           (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.usesysid = r.oid) AS sessions
      FROM pg_catalog.pg_roles r WHERE r.rolname LIKE 'pgkeep\\_verify\\_%' ORDER BY 1`)
  for (const role of stale(roles.rows, o.staleSeconds)) {
    // In a dry run, the role's own database is still there (it would go first).
    await drop(client, sweep, 'role', role, o.dryRun ?? false)
  }
  return sweep
}

// --- internal ---

function stale(rows: Candidate[], staleSeconds: number): Candidate[] {
  return rows.filter((row) => {
    const mark = parseMark(row.comment)
    return mark?.kind === 'scratch' && row.now.getTime() - mark.at.getTime() >= staleSeconds * 1000
  })
}

async function drop(client: pg.Client, sweep: ScratchSweep, kind: 'database' | 'role', row: Candidate, dryRun: boolean): Promise<void> {
  const sessions = Number(row.sessions)
  if (sessions > 0) {
    sweep.left.push({ kind, name: row.name, reason: `${sessions} session${sessions === 1 ? ' is' : 's are'} connected${kind === 'role' ? ' as it' : ' to it'}` })
    return
  }
  const done = kind === 'database' ? sweep.databases : sweep.roles
  if (dryRun) {
    done.push(row.name)
    return
  }
  try {
    // Never FORCE: a session that connected since the look above makes the drop fail, and the object stays.
    await client.query(`DROP ${kind === 'database' ? 'DATABASE' : 'ROLE'} IF EXISTS ${quoteIdent(row.name)}`)
    done.push(row.name)
  } catch (error) {
    sweep.left.push({ kind, name: row.name, reason: `the drop failed: ${(error as Error).message}` })
  }
}
