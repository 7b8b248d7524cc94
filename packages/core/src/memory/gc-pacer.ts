// A minor garbage collection after every MiB of table data a dump passes on. The rows arrive in socket
// buffers and leave as compressed blocks: both are garbage at once, but V8 frees dead buffers only in a
// young-generation collection, which with node's defaults comes when its 16 MB semi-space fills or once
// 32 MB of new buffers accrued (V8's external-memory rule). A dump allocates little else, so tens of
// megabytes of dead buffers pile up between collections. Collecting every MiB keeps the young ones to
// about a MiB (those promoted while they waited on the thread pool or in the spool stay until a full
// collection): a backup of the 525 MB sample in a plain node process (a web server's: no flags) peaked
// at 115–142 MB with jobs 1, 2 and 4, against 123–151 MB without; the tests' 190 MB database at 114–137
// MB (bench/README.md, 2026-12-06). Each collection finds little alive: a median pause of 0.75 ms over
// the 491 of one such backup. The same pacing counts the blocks a parallel dump reads back from its
// spools' files (dump.ts) and what a download() hands out (manager/download.ts): both come from the page
// cache in new buffers, tens of megabytes in a tenth of a second.
//
// node exposes `gc` only with --expose-gc. Without it, pgkeep sets that flag at run time and takes the
// function from a context of its own (node:vm): the host's global object is not touched, but contexts
// created afterwards (vm, workers) also get a `gc`. `gcPacing: false` (dump's run options, the backup
// manager's options) leaves the collections to V8 and sets nothing.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Gc = (options?: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void

/** Table data between two collections. */
export const GC_PACING_BYTES = 1024 * 1024

let exposed: Gc | null | undefined

/** The process's `gc` (exposed once, on first use), or null where it cannot be had. */
function minorCollector(): Gc | null {
  if (exposed !== undefined) return exposed
  const own = (globalThis as { gc?: unknown }).gc
  if (typeof own === 'function') {
    exposed = own as Gc
    return exposed
  }
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    exposed = typeof gc === 'function' ? (gc as Gc) : null
  } catch {
    exposed = null
  }
  return exposed
}

/**
 * Counts a dump's bytes and collects the young generation each time `every` more went by. The collector
 * is looked for at the first collection, so that a dump with less table data than that (a schema-only
 * one) sets no flag.
 */
export class GcPacer {
  private pending = 0
  private gc: Gc | null | undefined

  constructor(private readonly collector: () => Gc | null, private readonly every = GC_PACING_BYTES) {}

  passed(bytes: number): void {
    if (this.gc === null) return
    this.pending += bytes
    if (this.pending >= this.every) {
      this.pending %= this.every
      this.gc ??= this.collector()
      this.gc?.({ type: 'minor' })
    }
  }
}

/** The pacer of one dump: collecting when `enabled`, else one that does nothing. */
export function gcPacer(enabled: boolean): GcPacer {
  return new GcPacer(enabled ? minorCollector : () => null)
}
