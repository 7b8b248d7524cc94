// Some catalog reads open each relation they are given and lock it (pg_get_viewdef opens the view;
// before 18, reading a sequence's last_value opens the sequence). Those locks are held until the dump's
// transaction ends, so on a database with thousands of views or sequences they, not the tables the dump
// must hold, fill the server's shared lock table ("out of shared memory"). Run such reads in a savepoint
// that is rolled back: PostgreSQL releases every lock taken since the savepoint, the rows read stay with
// the client, and the transaction keeps its snapshot. Nothing here needs those locks: pg_dump does not
// lock views or sequences either, and the tables stay locked.
import type { DumpSession } from './dump-session'

const SAVEPOINT = 'pgkeep_transient_locks'
const batchSizes = new WeakMap<DumpSession, number>()

/**
 * How many relations one savepoint's reads may open: max_locks_per_transaction, the share of the lock
 * table the server sizes for each session (at most 1000, to keep each query moderate).
 */
export async function transientLockBatch(session: DumpSession): Promise<number> {
  let size = batchSizes.get(session)
  if (size === undefined) {
    const [row] = await session.query("SELECT current_setting('max_locks_per_transaction') AS n", [], 'read max_locks_per_transaction')
    size = Math.max(1, Math.min(1000, Number(row?.n) || 64))
    batchSizes.set(session, size)
  }
  return size
}

export async function withTransientLocks<T>(session: DumpSession, read: () => Promise<T>): Promise<T> {
  await session.exec(`SAVEPOINT ${SAVEPOINT}`, 'set a savepoint for catalog reads')
  let result: T
  try {
    result = await read()
  } catch (error) {
    // the transaction is aborted until the rollback; the read's error is the one to report
    await session.exec(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).catch(() => {})
    throw error
  }
  await session.exec(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, 'release the locks of catalog reads')
  await session.exec(`RELEASE SAVEPOINT ${SAVEPOINT}`, 'release the locks of catalog reads')
  return result
}
