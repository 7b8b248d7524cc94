// cleanup()'s part in sweeping what killed verifies left on the server (backup/sweep-scratch.ts), and
// the `scratch:swept` event both verify() and cleanup() announce it with.
import { sweepScratch, type ScratchSweep } from '../backup/sweep-scratch'
import type { ManagerContext } from './context'
import { hasDatabase } from './locks'

/** Sweeps stale scratch databases and roles on the manager's server; none without a database. A failure to look is reported in `left`. */
export async function sweepForCleanup(ctx: ManagerContext, dryRun: boolean): Promise<ScratchSweep> {
  if (!hasDatabase(ctx)) return { databases: [], roles: [], left: [] }
  try {
    const sweep = await ctx.withDatabase((client) => sweepScratch(client, { staleSeconds: ctx.options.scratchStaleSeconds, dryRun }))
    if (!dryRun) announceSweep(ctx, sweep, 'cleanup')
    return sweep
  } catch (error) {
    return { databases: [], roles: [], left: [{ kind: 'database', name: '*', reason: `scratch databases could not be looked for: ${(error as Error).message}` }] }
  }
}

export function announceSweep(ctx: ManagerContext, sweep: ScratchSweep, by: 'verify' | 'cleanup'): void {
  if (sweep.databases.length + sweep.roles.length === 0) return
  ctx.events.emit('scratch:swept', { databases: sweep.databases, roles: sweep.roles, by, at: ctx.now() })
}
