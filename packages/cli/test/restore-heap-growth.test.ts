// `pgkeep restore` and `pgkeep verify` let V8's old generation grow (heap-growth.ts): under the command's
// --heap-growing-percent=20 alone, the buffers of the data passing through set off a full collection
// every few megabytes although the heap stays at ~11 MB. The built command is started by its shebang
// (its node flags, as a user runs it), and a preload counts its major collections.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './process'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const server = inject('pgDefault')
const countMajors = `
import { PerformanceObserver, constants } from 'node:perf_hooks'
let majors = 0
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++ }).observe({ entryTypes: ['gc'] })
process.on('exit', () => process.stderr.write('major collections: ' + majors + '\\n'))`

let source: TestDatabase
let dir: string
let gz: string

beforeAll(async () => {
  assertBuilt('cli')
  source = await createDatabase(server.url, { prefix: 'cli_heap_src' })
  // about 85 MB of COPY text: the build before this change made 8 major collections restoring it, this one 1
  await runSql(source.url, 'CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL); INSERT INTO notes SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 800000) g')
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-heap-'))
  gz = join(dir, 'notes.sql.gz')
  const made = await run(bin, ['dump', source.url, '-f', gz, '-q'])
  expect(made.code, made.stderr).toBe(0)
}, 120_000)
afterAll(async () => {
  await source?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the restore command\'s heap', () => {
  it('restores 85 MB of rows with at most two major collections', async () => {
    const target = await createDatabase(server.url, { prefix: 'cli_heap_dst' })
    try {
      const result = await run(bin, ['restore', gz, target.url, '-q'], { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(countMajors)}` })
      expect(result.code, result.stderr).toBe(0)
      const majors = Number(/major collections: (\d+)/.exec(result.stderr)?.[1])
      expect(majors).toBeLessThanOrEqual(2)
      expect(await runSql(target.url, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 800000 }])
    } finally {
      await target.drop()
    }
  }, 120_000)
})
