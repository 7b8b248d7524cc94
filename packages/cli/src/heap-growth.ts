// A restore's own heap is small and flat (about 11 MB: the modules, the plan, a few statements), but
// under the command's --heap-growing-percent=20 (see bin.ts: it keeps a dump's buffers from piling up
// in the old generation) V8 sets its next full collection at about 19 MB, which the buffers of the data
// passing through reach again and again: a restore of the 525 MB sample made 33–77 mark-compacts that
// each found almost nothing (10.8 → 10.6 MB), and V8's threads spent up to a CPU second on them, on a
// machine the restore's server processes keep busy. A restore lets the old generation grow 300 %
// instead: 1–6 mark-compacts and 0.6–1.2 CPU s less, for 1–7 MB more peak RSS (400 %: 1–2 mark-compacts,
// but 9–14 MB more with -j4; 200 %: still 23); bench/README.md, 2026-12-06.
import { setFlagsFromString } from 'node:v8'

export const RESTORE_HEAP_GROWING_PERCENT = 300

/** Lets V8 grow the old generation by `percent` % over what the last full collection left. */
export function allowHeapGrowth(percent = RESTORE_HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`)
}
