// A managed backup holds the dump's V8 settings (memory/dump-heap-flags.ts) from its first step to its
// last, not only while its dump runs: the rate limit's and the lock's queries and the storage's setup
// allocate before the dump, and a young-generation collection there could double the young generation.
// The holds nest, so the settings are set once and put back once. node:v8's setFlagsFromString is
// watched, not replaced: the flags really are set.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql } from '@pgkeep/testkit'
import { expect, inject, it, vi } from 'vitest'

const set: string[] = []
vi.mock('node:v8', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:v8')>()
  return { ...real, setFlagsFromString: (flag: string) => { set.push(flag); real.setFlagsFromString(flag) } }
})

const { createBackupManager, fsStorage } = await import('../../src/index')
const server = inject('pgDefault')
const heapFlags = (flags: string[]) => flags.filter((f) => /semi-space-growth-factor|heap-growing-percent/.test(f))
const HELD = ['--semi-space-growth-factor=1', '--heap-growing-percent=20']
// this test process was started without either flag: V8's defaults come back
const PUT_BACK = ['--semi-space-growth-factor=2', '--heap-growing-percent=0']

it('holds the settings from the backup\'s start, before its dump, to its end, and with gcPacing: false sets none', async () => {
  const db = await createDatabase(server.url, { prefix: 'mgrheap' })
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-mgr-heap-'))
  try {
    await runSql(db.url, 'CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);')
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false })
    set.length = 0
    // backup:start is emitted after the rate limit's check and before the lock and the dump
    let atStart: string[] = []
    backups.on('backup:start', () => { atStart = heapFlags(set) })
    const record = await backups.create()
    expect(record.status).toBe('completed')
    expect(atStart).toEqual(HELD)
    expect(heapFlags(set)).toEqual([...HELD, ...PUT_BACK])

    // a failing backup lets go too
    set.length = 0
    await expect(backups.create({ tables: ['nothing_here'] })).rejects.toThrow()
    expect(heapFlags(set)).toEqual([...HELD, ...PUT_BACK])

    const unpaced = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false, gcPacing: false })
    set.length = 0
    await unpaced.create()
    expect(heapFlags(set)).toEqual([])
  } finally {
    await db.drop()
    await rm(dir, { recursive: true, force: true })
  }
})
