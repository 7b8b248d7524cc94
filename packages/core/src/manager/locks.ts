// Coordination between manager instances (several app replicas on one database) with PostgreSQL
// advisory locks, held by a session of their own for as long as the work runs: backups hold the
// backup lock shared, cleanup takes it exclusively (so it never deletes while a backup is being
// written), and each schedule occurrence runs under an exclusive lock of its own. Every lock is also
// held in-process (per storage object), which is all there is when no database is configured.
import type pg from 'pg'
import type { ManagerContext } from './context'

/**
 * `schedule:<job>`: one lock per scheduled job, so a long backup never makes the cleanup job skip.
 * `archive`: held by the one change archiver of the storage folder (manager.archive()) while it runs.
 */
export type LockName = 'backup' | 'schedule' | `schedule:${string}` | 'archive'

/** The lock key: one per lock name and storage folder, as a bigint from hashtextextended. */
function keyText(ctx: ManagerContext, name: LockName): string {
  return `pgkeep:${name}:${ctx.storage.kind}:${ctx.options.keyPrefix}`
}

export type LockResult<T> = { acquired: true; value: T } | { acquired: false }

/**
 * Runs `fn` while holding the lock, in-process and in the database. `shared` waits for it; `exclusive`
 * only tries, and resolves with `{ acquired: false }` at once when another holder has it.
 */
export async function withLock<T>(ctx: ManagerContext, name: LockName, mode: 'shared' | 'exclusive', fn: () => Promise<T>, signal?: AbortSignal): Promise<LockResult<T>> {
  const local = await withLocalLock(ctx, name, mode, () => withDatabaseLock(ctx, name, mode, fn, signal))
  return local.acquired ? local.value : local
}

/**
 * Whether a database is configured (a connection, or PG* variables naming one). Without one, cleanup
 * guards with the in-process lock only: it cannot see backups that other processes are writing.
 */
export function hasDatabase(ctx: ManagerContext): boolean {
  return ctx.connection !== undefined || ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSERVICE'].some((v) => Boolean(ctx.env[v]))
}

/**
 * The lock as far as the manager can take it: in the database as well when one is configured (hasDatabase),
 * else in this process only. Cleanup and a restore into the manager's own database guard with it.
 */
export function withAvailableLock<T>(ctx: ManagerContext, name: LockName, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<LockResult<T>> {
  return hasDatabase(ctx) ? withLock(ctx, name, mode, fn) : withLocalLock(ctx, name, mode, fn)
}

/** The in-process half of a lock, per storage object: the same semantics as the database's. */
export async function withLocalLock<T>(ctx: ManagerContext, name: LockName, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<LockResult<T>> {
  const lock = localLock(ctx, name)
  if (mode === 'shared') {
    while (lock.exclusive) await new Promise<void>((resolve) => lock.waiters.push(resolve))
    lock.shared++
  } else {
    if (lock.exclusive || lock.shared > 0) return { acquired: false }
    lock.exclusive = true
  }
  try {
    return { acquired: true, value: await fn() }
  } finally {
    if (mode === 'shared') {
      lock.shared--
    } else {
      lock.exclusive = false
      for (const wake of lock.waiters.splice(0)) wake()
    }
  }
}

// --- internal ---

interface LocalLock {
  /** Holders in shared mode. */
  shared: number
  exclusive: boolean
  /** Shared requests waiting for the exclusive holder to finish. */
  waiters: (() => void)[]
}

const localLocks = new WeakMap<object, Map<string, LocalLock>>()

function localLock(ctx: ManagerContext, name: LockName): LocalLock {
  let locks = localLocks.get(ctx.storage)
  if (!locks) localLocks.set(ctx.storage, (locks = new Map()))
  const key = `${name}:${ctx.options.keyPrefix}`
  let lock = locks.get(key)
  if (!lock) locks.set(key, (lock = { shared: 0, exclusive: false, waiters: [] }))
  return lock
}

async function withDatabaseLock<T>(ctx: ManagerContext, name: LockName, mode: 'shared' | 'exclusive', fn: () => Promise<T>, signal?: AbortSignal): Promise<LockResult<T>> {
  return ctx.withDatabase(async (client: pg.Client) => {
    const key = keyText(ctx, name)
    if (mode === 'shared') {
      await client.query('SELECT pg_catalog.pg_advisory_lock_shared(pg_catalog.hashtextextended($1, 0))', [key])
    } else {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtextextended($1, 0)) AS ok', [key])
      if (!rows[0]!.ok) return { acquired: false as const }
    }
    try {
      return { acquired: true as const, value: await fn() }
    } finally {
      const unlock = mode === 'shared' ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock'
      await client.query(`SELECT pg_catalog.${unlock}(pg_catalog.hashtextextended($1, 0))`, [key]).catch(() => {})
    }
  }, signal)
}
