// Keeps the command's memory flat while COPY data streams through: socket buffers become garbage at
// once, but V8 only collects them when its young generation or external-memory limits are reached,
// which lets tens of megabytes pile up. A minor collection after every megabyte written keeps resident
// memory near the process's baseline (see bench/ for the measurements). Only the command line does
// this; an application embedding @pgkeep/core keeps its own GC settings.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Gc = (options?: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void

function exposeGc(): Gc | null {
  const existing = (globalThis as { gc?: Gc }).gc
  if (existing) return existing
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as Gc
  } catch {
    return null
  }
}

/** Returns a function to call with each table's running byte count; it collects every `everyBytes`. */
export function createGcPacer(everyBytes = 1024 * 1024): (table: string, bytes: number) => void {
  const gc = exposeGc()
  let lastTable = ''
  let lastBytes = 0
  let pending = 0
  return (table, bytes) => {
    if (!gc) return
    pending += table === lastTable ? bytes - lastBytes : bytes
    lastTable = table
    lastBytes = bytes
    if (pending >= everyBytes) {
      pending = 0
      gc({ type: 'minor' })
    }
  }
}
