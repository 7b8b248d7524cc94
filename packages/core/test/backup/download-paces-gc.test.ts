// download() collects the young generation after every MiB it hands out (gcPacing, on by default): the
// stored file comes from the page cache in new buffers as fast as the client takes them, and without the
// collections they wait for V8's own rule (~32 MB of new buffers). The pacer takes the process's `gc`
// when it has one: here a counting one of the test's own, installed before the library is imported.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { EXTERNAL_CHECK_BYTES } from '../../src/memory/gc-pacer'

const collections: string[] = []
;(globalThis as { gc?: unknown }).gc = (options?: { type?: string }) => collections.push(options?.type ?? 'major')
const { createBackupManager, fsStorage } = await import('../../src/index')

const server = inject('pgDefault')
const MiB = 1024 * 1024
let db: TestDatabase
let dir: string

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'dlpace' })
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-dl-pace-'))
  // random text compresses poorly: a stored backup of several MiB
  await runSql(db.url, `CREATE TABLE noise (id integer PRIMARY KEY, t text);
    INSERT INTO noise SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(1, 120000) g;`)
}, 60_000)
afterAll(async () => {
  await db?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
  delete (globalThis as { gc?: unknown }).gc
})

async function downloaded(gcPacing: boolean): Promise<{ bytes: number; collections: number; young: number }> {
  const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, gcPacing })
  const record = await backups.create()
  collections.length = 0
  const stream = await backups.download(record.id)
  let bytes = 0
  for await (const chunk of stream) bytes += (chunk as Buffer).length
  expect(bytes).toBe(record.size)
  return { bytes, collections: collections.length, young: collections.filter((type) => type === 'minor').length }
}

it('collects the young generation once per MiB a download hands out, and not at all with gcPacing: false', { timeout: 60_000 }, async () => {
  const paced = await downloaded(true)
  expect(paced.bytes).toBeGreaterThan(4 * MiB)
  expect(paced.young).toBe(Math.floor(paced.bytes / MiB))
  // a full collection only at a look at the ArrayBuffer memory, one per EXTERNAL_CHECK_BYTES handed out
  expect(paced.collections - paced.young).toBeLessThanOrEqual(Math.floor(paced.bytes / EXTERNAL_CHECK_BYTES))
  const unpaced = await downloaded(false)
  expect(unpaced.collections).toBe(0)
})
