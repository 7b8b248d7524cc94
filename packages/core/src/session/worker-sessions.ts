// The worker sessions of a parallel dump: each one its own connection, set up like the leader's
// (openDumpSession), whose transaction imports the leader's exported snapshot, so every COPY sees
// exactly the data the leader's catalog saw. Closing ends every connection, whatever state it is in.
import type pg from 'pg'
import { openDumpSession, type DumpSession } from './dump-session'

export interface WorkerSessions {
  readonly sessions: DumpSession[]
  /** Ends every worker connection (a running COPY with it); safe to call more than once. */
  close(): Promise<void>
}

/**
 * Opens `count` sessions through `connectOne` and imports `snapshot` in each; on any failure the
 * ones already open are closed before the error is thrown.
 */
export async function openWorkerSessions(count: number, snapshot: string, connectOne: () => Promise<pg.Client>): Promise<WorkerSessions> {
  const clients: pg.Client[] = []
  const close = async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})))
  }
  // Settle every attempt before deciding, so that no connection opened late is left behind.
  const results = await Promise.allSettled(Array.from({ length: count }, async () => {
    const client = await connectOne()
    clients.push(client)
    return openDumpSession(client, { snapshot })
  }))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await close()
    throw failed.reason
  }
  return { sessions: results.map((r) => (r as PromiseFulfilledResult<DumpSession>).value), close }
}
