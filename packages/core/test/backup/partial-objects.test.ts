// cleanup() and the unfinished writes of killed processes: a `.partial` file a put left in a real folder
// (the process died between open and rename) is listed by the driver, reported by a dry run, removed by
// cleanup once older than the orphan age (`orphanAgeMinutes`, default an hour), named in the result, the
// audit trail, the `cleanup` event and the metrics. A put still running in this process is never taken.
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type IncompleteWrite } from '../../src/index'
import { ORPHAN_GRACE_MS } from '../../src/manager/orphans'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'partial_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).filter((f) => !f.startsWith('backups/audit/')).sort()
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/** What a backup killed mid-write leaves: its dump's temporary file, some bytes long. */
async function killedWrite(dir: string, key: string, hex = '0123456789abcdef'): Promise<string> {
  const name = `${key}.${hex}.partial`
  await mkdir(join(dir, name, '..'), { recursive: true })
  await writeFile(join(dir, name), Buffer.alloc(4096, 7))
  return name
}

describe('cleanup() and unfinished writes', () => {
  it('sweeps a killed backup\'s .partial once older than the orphan age, and says so everywhere', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-partial-'))
    const clock = { offset: 0 }
    const storage = fsStorage({ dir })
    const backups = createBackupManager({ connection: source.url, storage, now: () => new Date(Date.now() + clock.offset) })
    const kept = await backups.create()
    const name = await killedWrite(dir, 'backups/2026/backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz')
    // another prefix's leftover is not this manager's
    const foreign = await killedWrite(dir, 'other/2026/backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz', 'fedcba9876543210')

    const listed = await all(storage.listIncomplete!('backups/'))
    expect(listed).toEqual([{ key: 'backups/2026/backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz', name, size: 4096, modifiedAt: expect.any(Date) }])
    // young: it may belong to a backup another process is writing
    expect(await backups.cleanup({ dryRun: true })).toMatchObject({ incomplete: [], orphans: [] })
    expect((await backups.cleanup()).incomplete).toEqual([])
    expect(await files(dir)).toContain(name)

    const events: { orphans: string[]; incomplete: string[]; dryRun: boolean }[] = []
    backups.on('cleanup', (e) => void events.push(e))
    clock.offset = ORPHAN_GRACE_MS + 60_000
    const dry = await backups.cleanup({ dryRun: true })
    expect(dry).toMatchObject({ incomplete: [name], orphans: [], deleted: [], failed: [] })
    expect(await files(dir)).toContain(name)

    const done = await backups.cleanup()
    expect(done).toMatchObject({ incomplete: [name], orphans: [], deleted: [], failed: [] })
    expect(await files(dir)).toEqual([kept.storagePath, kept.storagePath.replace(/\.sql\.gz$/, '.manifest.json'), foreign].sort())
    expect(events.map((e) => [e.dryRun, e.incomplete])).toEqual([[true, [name]], [false, [name]]])
    const [audited] = await backups.auditLog({ action: 'cleanup', limit: 1 })
    expect(audited?.detail).toMatchObject({ incomplete: [name] })
    expect((await backups.metrics()).swept).toEqual({ orphans: 0, incomplete: 1 })
    expect(await backups.metricsText()).toContain('pgkeep_swept_objects_total{kind="incomplete"} 1\n')
    expect(await all(storage.listIncomplete!('backups/'))).toEqual([])
    // removing it again is fine
    await storage.removeIncomplete!(listed[0]!)
  })

  it('orphanAgeMinutes: 0 sweeps at once, orphans too; a put still running here is never taken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-partial-'))
    const storage = fsStorage({ dir })
    const backups = createBackupManager({ connection: source.url, storage })
    const lost = await backups.create()
    await backups.storage.remove(lost.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const name = await killedWrite(dir, 'backups/2026/backup-2026-11-26-1795658400123-0f1e2d3c.manifest.json')

    // a put of this process, stalled mid-body: its temporary file is there, but not a leftover
    const body = new PassThrough()
    const writing = storage.put('backups/2026/slow.json', body)
    body.write(Buffer.from('{"slow":'))
    const until = Date.now() + 5000
    while (!(await files(dir)).some((f) => f.startsWith('backups/2026/slow.json.')) && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect((await files(dir)).filter((f) => f.startsWith('backups/2026/slow.json.'))).toHaveLength(1)
    expect((await all(storage.listIncomplete!('backups/'))).map((w) => w.name)).toEqual([name])

    await new Promise((r) => setTimeout(r, 5)) // mtimes strictly before now
    const result = await backups.cleanup({ orphanAgeMinutes: 0 })
    expect(result).toMatchObject({ incomplete: [name], orphans: [lost.storagePath], failed: [] })
    body.end('true}')
    expect(await writing).toMatchObject({ key: 'backups/2026/slow.json', size: 13 })
    expect(await files(dir)).toEqual(['backups/2026/slow.json'])
  })

  it('refuses a bad orphan age, and a leftover that is not a temporary file of its key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-partial-'))
    const storage = fsStorage({ dir })
    const backups = createBackupManager({ storage })
    for (const orphanAgeMinutes of [-1, 1.5, '60']) {
      const error = await failure(backups.cleanup({ orphanAgeMinutes } as never), 'OPTIONS_INVALID')
      expect(error.message).toContain('orphanAgeMinutes')
    }
    const bogus: IncompleteWrite[] = [
      { key: 'backups/a.sql.gz', name: 'backups/a.sql.gz', size: 0, modifiedAt: new Date() },
      { key: 'backups/a.sql.gz', name: 'backups/b.sql.gz.0123456789abcdef.partial', size: 0, modifiedAt: new Date() },
      { key: '../a.sql.gz', name: '../a.sql.gz.0123456789abcdef.partial', size: 0, modifiedAt: new Date() },
    ]
    for (const write of bogus) await failure(storage.removeIncomplete!(write), 'STORAGE_INVALID')
  })
})
