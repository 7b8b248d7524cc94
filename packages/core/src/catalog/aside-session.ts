// A second session for the catalog's slowest query, so the server works on it while the leader reads
// the rest. Deparsing every index (pg_get_indexdef, pg_get_constraintdef) builds a relation cache entry
// per index on the server: about a second for 4,000 indexes, during which the leader would only wait.
// The aside session imports the leader's snapshot (as the data workers do), so it reads the same catalog;
// the leader's ACCESS SHARE locks, held to the end of the dump, keep the tables it deparses in place.
// Opened only when the dump may open connections (`jobs` above 1, a connection it can repeat) and there
// are enough indexed tables for the overlap to pay for a connection. When it cannot be opened, the query
// runs on the leader as before; the dump does not fail for it. The view definitions go there as well once
// the catalog is read (view-definitions.ts), while the leader reads the other details and sorts the graph.
import type pg from 'pg'
import type { DumpSession, Row } from '../session/dump-session'
import { openWorkerSessions, type WorkerSessions } from '../session/worker-sessions'

export interface AsideSession {
  /**
   * Starts `sql` on the aside session, opening it on first use: resolves with its rows, or with null
   * when no session could be opened (run it on the leader then). A failed query rejects as on the leader.
   */
  query(sql: string, params: unknown[], what: string): Promise<Row[] | null>
  /** The aside session itself, opening it on first use, or null when none could be opened. */
  session(): Promise<DumpSession | null>
  /**
   * Starts opening the session now, before its first query is known, so that connecting overlaps the
   * leader's reads; a failure to open shows where the session is next asked for.
   */
  warm(): void
  /** Whether the session was asked for already (open, opening, or failed to open). */
  readonly requested: boolean
  /** Ends the aside connection, if one was opened; safe to call more than once. */
  close(): Promise<void>
}

export function asideSession(leader: DumpSession, snapshot: string | undefined, connectOne: () => Promise<pg.Client>): AsideSession {
  let opening: Promise<WorkerSessions | null> | null = null
  const open = (): Promise<WorkerSessions | null> => {
    opening ??= (async () => {
      // Queued on the leader's connection at once, ahead of its next catalog query.
      const exported = snapshot ?? (await leader.query('SELECT pg_catalog.pg_export_snapshot() AS id', [], 'export the snapshot'))[0]!.id!
      try {
        return await openWorkerSessions(1, exported, connectOne)
      } catch {
        return null
      }
    })()
    return opening
  }
  return {
    async query(sql, params, what) {
      const workers = await open()
      if (!workers) return null
      return workers.sessions[0]!.query(sql, params, what)
    },
    async session() {
      const workers = await open()
      return workers?.sessions[0] ?? null
    },
    warm() {
      open().catch(() => {})
    },
    get requested() {
      return opening !== null
    },
    async close() {
      if (!opening) return
      const workers = await opening.catch(() => null)
      await workers?.close()
    },
  }
}
