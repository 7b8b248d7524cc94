// The schema of a database as the local `pg_dump --schema-only` writes it, minus the lines that differ
// between any two dumps (version comments, the random \restrict key). Skipped, with the reason, where
// there is no pg_dump or it is older than the server (pg_dump refuses newer servers).
import { serverMajor, withClient } from './database'
import { localPgDumpMajor, runPgDump } from './psql'

export async function schemaText(url: string): Promise<{ text?: string; skipped?: string }> {
  const dumpMajor = await localPgDumpMajor()
  if (dumpMajor === undefined) return { skipped: 'no pg_dump on PATH' }
  const major = await withClient(url, (client) => serverMajor(client))
  if (major > dumpMajor) return { skipped: `local pg_dump ${dumpMajor} is older than server ${major}` }
  const dump = await runPgDump(url, ['--schema-only'])
  const kept = dump.split('\n').filter((l) => !/^-- Dumped (from|by) /.test(l) && !/^\\(un)?restrict /.test(l))
  return { text: kept.join('\n') }
}
