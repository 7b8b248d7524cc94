// Writes a killed process left unfinished under the manager's key prefix (fsStorage's `.partial` files
// of a backup, manifest or audit object whose process got SIGKILL): nothing lists them and no policy
// sees them, so cleanup() sweeps them like orphans, once older than the orphan age. Drivers that cannot
// list their leftovers (s3: incomplete multipart uploads) have nothing to report here; their lifecycle
// rule (lifecycle()) aborts those uploads.
import type { IncompleteWrite } from '../storage/driver'
import type { ManagerContext } from './context'

/** The unfinished writes under the key prefix last written to more than `graceMs` ago, oldest first. */
export async function findPartialObjects(ctx: ManagerContext, graceMs: number): Promise<IncompleteWrite[]> {
  const { storage } = ctx
  if (!storage.listIncomplete || !storage.removeIncomplete) return []
  const before = ctx.now().getTime() - graceMs
  const found: IncompleteWrite[] = []
  for await (const write of storage.listIncomplete(ctx.options.keyPrefix)) {
    if (write.modifiedAt.getTime() < before) found.push(write)
  }
  return found.sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || (a.name < b.name ? -1 : 1))
}
