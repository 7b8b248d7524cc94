// A dump's GcPacer (memory/gc-pacer.ts) counts the blocks a parallel dump reads back from its spools'
// temporary files, not only the rows it copies: those reads are new buffers too, and they come back from
// the page cache tens of megabytes at a time. Here the first table in script order is the largest and its
// destination is slow, so the other worker's tables wait in the spool past its 1 MiB budget, on disk; the
// pacer's young collections (a `gc` of the test's own, which the pacer takes when the process has one)
// then exceed one per MiB of table data by about the bytes that were read back. Its full collections,
// at its looks at the ArrayBuffer memory, come at most once per EXTERNAL_CHECK_BYTES.
import { Writable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { EXTERNAL_CHECK_BYTES } from '../src/memory/gc-pacer'

const collections: string[] = []
// before the library is imported: the pacer looks for the process's gc once, at its first collection
;(globalThis as { gc?: unknown }).gc = (options?: { type?: string }) => collections.push(options?.type ?? 'major')
const { dump } = await import('../src/index')

const server = inject('pgDefault')
const MiB = 1024 * 1024
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'pacespool' })
  // ~12 MB of COPY text in a_big, ~6 MB in each of three others
  const rows = (name: string, n: number) => `CREATE TABLE ${name} (id integer PRIMARY KEY, t text);
    INSERT INTO ${name} SELECT g, repeat(md5(g::text || '${name}'), 4) FROM generate_series(1, ${n}) g;`
  await runSql(db.url, `${rows('a_big', 90_000)} ${rows('b_one', 45_000)} ${rows('b_two', 45_000)} ${rows('b_three', 45_000)} ANALYZE;`)
}, 60_000)
afterAll(async () => {
  await db?.drop()
  delete (globalThis as { gc?: unknown }).gc
})

it('collects the young generation for the bytes read back from spool files as well as for the rows copied', { timeout: 60_000 }, async () => {
  // 5 ms a 64 KiB write: a_big takes about a second to write, the other worker copies the rest meanwhile
  const slow = new Writable({ highWaterMark: 64 * 1024, write: (_chunk, _enc, done) => void setTimeout(done, 5) })
  const summary = await dump({ connection: db.url, restrictKey: 'k', jobs: 2 }, slow)
  const copied = summary.tables.reduce((sum, t) => sum + t.bytes, 0)
  expect(summary.tables.map((t) => t.name).sort()).toEqual(['a_big', 'b_one', 'b_three', 'b_two'])
  expect(copied).toBeGreaterThan(28 * MiB)
  const young = collections.filter((type) => type === 'minor').length
  // one per MiB copied, and at least 4 more for the ~14 MB the three smaller tables spilled to disk
  expect(young).toBeGreaterThanOrEqual(Math.floor(copied / MiB) + 4)
  // full collections (gc() without options) only at the pacer's looks at the ArrayBuffer memory: at most
  // one per EXTERNAL_CHECK_BYTES of table data (this gc frees nothing, so the memory stays high)
  expect(collections.length - young).toBeLessThanOrEqual(Math.ceil((young * MiB) / EXTERNAL_CHECK_BYTES))
})
