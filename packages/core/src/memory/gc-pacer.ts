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
// Buffers that were promoted (they waited on the thread pool or in a spool long enough) are freed only by
// a full collection, and V8 starts one by itself only when the old generation grew past its limit or 64 MB
// of external memory accrued: with a small, steady heap that can be seconds apart. So every 8 MiB the
// pacer also looks at the process's ArrayBuffer memory, and above 16 MB it collects everything. A parallel
// plain dump of the 525 MB sample (`jobs` 2 and 4) peaked at 131–141 MB without it, once the library's
// heap no longer started full collections every ~200 ms by itself, and at 86–87 MB with it (bench/README.md).
//
// node exposes `gc` only with --expose-gc. Without it, pgkeep sets that flag at run time and takes the
// function from a context of its own (node:vm): the host's global object is not touched, but contexts
// created afterwards (vm, workers) also get a `gc`. `gcPacing: false` (dump's run options, the backup
// manager's options) leaves the collections to V8 and sets nothing.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** node's `gc`: a young-generation collection with `{ type: 'minor' }`, a full one without options. */
type Gc = (options?: { type: 'minor'; execution?: 'sync' | 'async' }) => void

/** Table data between two collections. */
export const GC_PACING_BYTES = 1024 * 1024

/** Table data between two looks at the process's ArrayBuffer memory. */
export const EXTERNAL_CHECK_BYTES = 8 * 1024 * 1024

/** ArrayBuffer memory (bytes) at a look above which the pacer collects everything. */
export const EXTERNAL_FULL_GC_BYTES = 16 * 1024 * 1024

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
  private sinceLook = 0
  private gc: Gc | null | undefined

  constructor(
    private readonly collector: () => Gc | null,
    private readonly every = GC_PACING_BYTES,
    private readonly arrayBuffers: () => number = () => process.memoryUsage().arrayBuffers,
  ) {}

  passed(bytes: number): void {
    if (this.gc === null) return
    this.pending += bytes
    if (this.pending < this.every) return
    this.sinceLook += this.pending - (this.pending % this.every)
    this.pending %= this.every
    this.gc ??= this.collector()
    if (!this.gc) return
    this.gc({ type: 'minor' })
    if (this.sinceLook < EXTERNAL_CHECK_BYTES) return
    this.sinceLook = 0
    // gc() without options: for { type: 'major' } node 20's V8 runs a young-generation collection
    if (this.arrayBuffers() > EXTERNAL_FULL_GC_BYTES) this.gc()
  }
}

/** The pacer of one dump: collecting when `enabled`, else one that does nothing. */
export function gcPacer(enabled: boolean): GcPacer {
  return new GcPacer(enabled ? minorCollector : () => null)
}
