// Two V8 settings a dump holds while it runs, so that a plain node process (a web server's: no node flags)
// does not keep V8's usual slack over the catalog's graph. A schema-only dump of 20,000 relations keeps
// ~50 MB of objects alive until its script's entries are made; they survive every young-generation
// collection, so with V8's defaults the young generation doubles after each collection that moves as many
// bytes as it holds (2 × 8 MB after node's and the library's modules loaded, 2 × 16 MB at the end), and
// the old generation may grow to about twice what the last full collection left before the next one.
// - `--semi-space-growth-factor=1`: the young generation keeps the size it had when the dump began.
// - `--heap-growing-percent=20`: the next full collection comes when the old generation grew 20 % over
//   what the last one left (the command runs with it: bin.ts).
// V8 reads both when it next resizes (after a collection), so setting them at run time works. Measured on
// the 20,000-relation schema in plain node: 143–176 MB peak RSS without, 138–143 MB with both (V8 does
// not shrink the young generation the modules grew, 2 × 8 MB); bench/README.md, 2026-12-07. They are
// process-wide: while a dump runs, the host's own young generation does not grow either, and its full
// collections come sooner. Overlapping dumps share one setting; when the last ends, the host's values are
// put back: the ones on node's command line or in NODE_OPTIONS, else V8's defaults (a value the host set
// at run time cannot be read back). `gcPacing: false` sets nothing.
import { setFlagsFromString } from 'node:v8'

/** The settings a dump holds, and V8's defaults for them. */
export const DUMP_HEAP_FLAGS = [
  { name: 'semi-space-growth-factor', dump: 1, v8Default: 2 },
  { name: 'heap-growing-percent', dump: 20, v8Default: 0 },
] as const

/**
 * The value of numeric V8 flag `name` the process started with: the last one given on node's command line
 * (`execArgv`), else in NODE_OPTIONS, else `fallback`. Both spellings (`-` and `_`) and both forms
 * (`--flag=1`, `--flag 1`) count, as V8 reads them.
 */
export function startupFlagValue(name: string, execArgv: readonly string[], nodeOptions: string | undefined, fallback: number): number {
  const wanted = name.replace(/_/g, '-')
  let found: number | undefined
  const scan = (args: readonly string[]) => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (!arg.startsWith('--')) continue
      const eq = arg.indexOf('=')
      const flag = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replace(/_/g, '-')
      if (flag !== wanted) continue
      const text = eq < 0 ? args[i + 1] : arg.slice(eq + 1)
      const value = text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
      if (value !== undefined) found = value
    }
  }
  scan((nodeOptions ?? '').split(/\s+/).filter(Boolean))
  scan(execArgv)
  return found ?? fallback
}

/** Sets the dump's flags while at least one dump holds them, and the host's back when the last lets go. */
export class DumpHeapFlags {
  private holders = 0

  constructor(
    private readonly set: (flag: string) => void,
    private readonly host: () => Record<string, number>,
  ) {}

  /** Holds the dump's settings; the returned function lets go (once, however often it is called). */
  hold(): () => void {
    if (this.holders++ === 0) for (const flag of DUMP_HEAP_FLAGS) this.apply(`--${flag.name}=${flag.dump}`)
    let released = false
    return () => {
      if (released) return
      released = true
      if (--this.holders > 0) return
      const host = this.host()
      for (const flag of DUMP_HEAP_FLAGS) this.apply(`--${flag.name}=${host[flag.name] ?? flag.v8Default}`)
    }
  }

  private apply(flag: string): void {
    try {
      this.set(flag)
    } catch {
      // a node without these V8 flags: the dump runs with the host's settings
    }
  }
}

// read as the module loads: NODE_OPTIONS as node saw it, before the host may change it for its children
const hostValues: Record<string, number> = {}
for (const flag of DUMP_HEAP_FLAGS) hostValues[flag.name] = startupFlagValue(flag.name, process.execArgv, process.env.NODE_OPTIONS, flag.v8Default)

const processFlags = new DumpHeapFlags(setFlagsFromString, () => hostValues)

/** Holds the dump's heap settings for the process when `enabled` (a dump's `gcPacing`); returns the release. */
export function holdDumpHeapFlags(enabled: boolean): () => void {
  return enabled ? processFlags.hold() : () => {}
}
