// Runs the library's dump() into a file and waits until every byte is on disk.
import { createWriteStream } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { dump, type DumpOptions, type DumpRunOptions, type DumpSummary } from '../../src/index'

export async function dumpToFile(options: DumpOptions, run: DumpRunOptions = {}): Promise<{ file: string; summary: DumpSummary }> {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-test-'))
  const file = join(dir, 'dump.sql')
  const out = createWriteStream(file)
  try {
    const summary = await dump(options, out, run)
    out.end()
    await finished(out)
    return { file, summary }
  } catch (error) {
    out.destroy()
    throw error
  }
}

/** The servers a test should run on: the default one and each test major, without duplicates. */
export function testServers(defaultServer: { url: string; major: number }, others: Record<number, { url: string; major: number }>): { url: string; major: number }[] {
  const all = [defaultServer, ...Object.values(others)]
  return all.filter((s, i) => all.findIndex((t) => t.url === s.url) === i)
}
