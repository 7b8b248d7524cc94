// A dump holds its V8 heap settings (memory/dump-heap-flags.ts) from start to end and puts the process's
// start-up values back; with gcPacing: false it sets none. node:v8's setFlagsFromString is watched, not
// replaced: the flags really are set.
import { Writable } from 'node:stream'
import * as v8 from 'node:v8'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { expect, inject, it, vi } from 'vitest'

const set: string[] = []
vi.mock('node:v8', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:v8')>()
  return { ...real, setFlagsFromString: (flag: string) => { set.push(flag); real.setFlagsFromString(flag) } }
})

const { dump } = await import('../src/index')
const server = inject('pgDefault')
const heapFlags = (flags: string[]) => flags.filter((f) => /semi-space-growth-factor|heap-growing-percent/.test(f))
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() })

it('sets the young-generation and old-generation settings for the dump, and the start-up ones after it', async () => {
  expect(typeof v8.setFlagsFromString).toBe('function')
  const db = await createDatabase(server.url, { prefix: 'heapflags' })
  try {
    await runSql(db.url, 'CREATE TABLE t (id integer PRIMARY KEY); CREATE VIEW v AS SELECT id FROM t;')
    set.length = 0
    let during: string[] = []
    await dump({ connection: db.url, schemaOnly: true }, sink(), { onProgress: (p) => { if (p.phase === 'catalog') during = heapFlags(set) } })
    expect(during).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=20'])
    // this test process was started without either flag: V8's defaults come back
    expect(heapFlags(set)).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=20', '--semi-space-growth-factor=2', '--heap-growing-percent=0'])

    // two at once: set once, put back once, after both
    set.length = 0
    await Promise.all([dump({ connection: db.url, schemaOnly: true }, sink()), dump({ connection: db.url, schemaOnly: true }, sink())])
    expect(heapFlags(set)).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=20', '--semi-space-growth-factor=2', '--heap-growing-percent=0'])

    // a failing dump lets go too
    set.length = 0
    await expect(dump({ connection: db.url, schemaOnly: true, tables: ['nothing_here'] }, sink())).rejects.toThrow()
    expect(heapFlags(set)).toHaveLength(4)

    set.length = 0
    await dump({ connection: db.url, schemaOnly: true }, sink(), { gcPacing: false })
    expect(heapFlags(set)).toEqual([])
  } finally {
    await db.drop()
  }
})
