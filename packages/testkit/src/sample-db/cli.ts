// Command line for the sample boarding-house database: loads it into an existing, empty database and prints
// the rows per table and the database size.
//   tsx cli.ts <url> [--scale N] [--seed N] [--quiet]
import { loadSampleDatabase } from './generate'

const usage = 'usage: tsx cli.ts <postgres-url> [--scale N] [--seed N] [--quiet]\n  scale 1 is about 8 MB, 65 about 500 MB, 130 about 1 GB'

function parseArgs(argv: string[]): { url: string; scale: number; seed: number; quiet: boolean } {
  let url: string | undefined
  let scale = 1
  let seed = 1
  let quiet = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined || !Number.isFinite(Number(v))) throw new Error(`${arg} needs a number\n${usage}`)
      return Number(v)
    }
    if (arg === '--scale') scale = value()
    else if (arg === '--seed') seed = value()
    else if (arg === '--quiet') quiet = true
    else if (arg === '--help' || arg === '-h') {
      console.log(usage)
      process.exit(0)
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n${usage}`)
    else if (url === undefined) url = arg
    else throw new Error(`unexpected argument ${arg}\n${usage}`)
  }
  if (url === undefined) throw new Error(usage)
  return { url, scale, seed, quiet }
}

try {
  const args = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const result = await loadSampleDatabase(args.url, {
    scale: args.scale,
    seed: args.seed,
    onProgress: args.quiet ? undefined : (msg) => console.error(msg),
  })
  const width = Math.max(...Object.keys(result.rows).map((t) => t.length))
  for (const [table, n] of Object.entries(result.rows)) console.log(`${table.padEnd(width)}  ${String(n).padStart(10)}`)
  console.log(`${'database size'.padEnd(width)}  ${(result.bytes / 1024 / 1024).toFixed(1).padStart(7)} MB`)
  console.log(`${'load time'.padEnd(width)}  ${((Date.now() - started) / 1000).toFixed(1).padStart(8)} s`)
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}
