// Coordination between manager instances (several app replicas on one database) with PostgreSQL
// advisory locks, held by a session of their own for as long as the work runs: backups hold the
// backup lock shared, cleanup takes it exclusively (so it never deletes while a backup is being
// written), and each schedule occurrence runs under an exclusive lock of its own.
import type pg from 'pg'
import type { ManagerContext } from './context'

export type LockName = 'backup' | 'schedule'

/** The lock key: one per lock name and storage folder, as a bigint from hashtextextended. */
function keyText(ctx: ManagerContext, name: LockName): string {
  return `pgkeep:${name}:${ctx.storage.kind}:${ctx.options.keyPrefix}`
}

/**
 * Runs `fn` while holding the lock. `shared` waits for it; `exclusive` only tries, and resolves with
 * `{ acquired: false }` at once when another session holds it.
 */
export async function withLock<T>(ctx: ManagerContext, name: LockName, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }> {
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
  })
}
