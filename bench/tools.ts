// The dump commands the benchmark compares: pgkeep (the built CLI) to a plain and to a .gz file, and the
// machine's pg_dump plain and piped to `gzip -6` (the level pgkeep's .gz files use). pgkeepCommand() runs
// any pgkeep command line the same way (`pnpm bench --backup-memory` runs `pgkeep backup` with it).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandNodeFlags } from '../packages/testkit/src/command-node-flags'
import { TIME, type DumpCommand } from './measure'

export type ToolId = 'pgkeep' | 'pgkeep-gz' | 'pg_dump' | 'pg_dump-gz'

export interface Tool {
  id: ToolId
  label: string
  /** Output file extension. */
  ext: '.sql' | '.sql.gz'
  /** The tool this one is compared with (pgkeep rows only). */
  baseline?: ToolId
  command(url: string, opts: { probeOut?: string }): DumpCommand
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const PGKEEP_BIN = join(BENCH_DIR, '..', 'packages', 'cli', 'dist', 'bin.js')
const PROBE = join(BENCH_DIR, 'memory-probe.cjs')

export function assertPgkeepBuilt(): void {
  if (!existsSync(PGKEEP_BIN)) {
    throw new Error(`unable to find ${PGKEEP_BIN}: build first with \`COREPACK_INTEGRITY_KEYS=0 pnpm run build\``)
  }
}

function pgkeep(id: ToolId, label: string, ext: Tool['ext'], baseline: ToolId): Tool {
  return {
    id,
    label,
    ext,
    baseline,
    command: (url, { probeOut }) => pgkeepCommand('dump "$URL" -f "$OUT"', { env: { URL: url }, ...(probeOut ? { probeOut } : {}) }),
  }
}

/**
 * A pgkeep command line under GNU time: `args` is what follows `pgkeep` (bash text; it may use `$OUT` and
 * the variables of `env`). Run as the installed command runs: the bin's own shebang picks node and its
 * flags. With BENCH_NODE_FLAGS or the probe, node is named explicitly with the shebang's flags plus those
 * (a later flag wins: BENCH_NODE_FLAGS=--heap-growing-percent=0 measures with V8's own heap growing).
 */
export function pgkeepCommand(args: string, opts: { env?: Record<string, string>; probeOut?: string } = {}): DumpCommand {
  const { probeOut } = opts
  return {
    // $NODE_FLAGS is split into words on purpose: BENCH_NODE_FLAGS may hold several flags.
    script: process.env.BENCH_NODE_FLAGS || probeOut
      ? `${TIME} -v -o "$T0" "$NODE" ${commandNodeFlags().join(' ')} $NODE_FLAGS ${probeOut ? '--require "$PROBE" ' : ''}"$PGKEEP" ${args}`
      : `${TIME} -v -o "$T0" "$PGKEEP" ${args}`,
    processes: ['pgkeep'],
    env: {
      NODE: process.execPath,
      NODE_FLAGS: process.env.BENCH_NODE_FLAGS ?? '',
      PGKEEP: PGKEEP_BIN,
      PROBE,
      ...(probeOut ? { BENCH_PROBE_OUT: probeOut } : {}),
      ...opts.env,
    },
  }
}

export const TOOLS: Record<ToolId, Tool> = {
  pgkeep: pgkeep('pgkeep', 'pgkeep dump -f x.sql', '.sql', 'pg_dump'),
  'pgkeep-gz': pgkeep('pgkeep-gz', 'pgkeep dump -f x.sql.gz', '.sql.gz', 'pg_dump-gz'),
  pg_dump: {
    id: 'pg_dump',
    label: 'pg_dump -f x.sql',
    ext: '.sql',
    command: (url) => ({
      script: `${TIME} -v -o "$T0" pg_dump -d "$URL" -f "$OUT"`,
      processes: ['pg_dump'],
      env: { URL: url },
    }),
  },
  'pg_dump-gz': {
    id: 'pg_dump-gz',
    label: 'pg_dump | gzip -6',
    ext: '.sql.gz',
    command: (url) => ({
      script: `${TIME} -v -o "$T0" pg_dump -d "$URL" | ${TIME} -v -o "$T1" gzip -6 > "$OUT"`,
      processes: ['pg_dump', 'gzip'],
      env: { URL: url },
    }),
  },
}
