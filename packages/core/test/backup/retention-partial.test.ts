// Retention's guarantees and partial backups, on a real PostgreSQL and a real folder: two full backups,
// then a selective one (tables: ['public.facilities']), then cleanup({ daysToKeep: 0 }). The selective
// backup is the newest and stays ('newest'), and so does the newest full backup ('newest'): a partial
// backup never leaves the database without a full one. The same for 'newest-verified'. Records say which
// backups are partial: a table or schema selection, excluded tables or table data, definitions or rows only.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'ret_partial' })
  await runSql(db.url, `CREATE TABLE facilities (id integer PRIMARY KEY, name text NOT NULL);
    CREATE TABLE rooms (id integer PRIMARY KEY, facility integer REFERENCES facilities, price integer);
    INSERT INTO facilities SELECT i, 'facility ' || i FROM generate_series(1, 20) AS i;
    INSERT INTO rooms SELECT i, 1 + i % 20, 1000 * i FROM generate_series(1, 200) AS i;`)
}, 120_000)
afterAll(() => db?.drop())

async function manager(extra: { dump?: Record<string, unknown> } = {}): Promise<BackupManager> {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-ret-partial-'))
  return createBackupManager({ connection: db.url, storage: fsStorage({ dir }), ...extra })
}

describe('cleanup with a partial newest backup', () => {
  it('keeps the newest full backup beside the partial newest one (newest)', async () => {
    const backups = await manager()
    const full1 = await backups.create()
    const full2 = await backups.create()
    const selective = await backups.create({ tables: ['public.facilities'] })
    expect(selective.metadata.tables).toEqual(['public.facilities'])
    expect([full1.partial, full2.partial, selective.partial]).toEqual([false, false, true])

    const result = await backups.cleanup({ daysToKeep: 0 })
    expect(result.kept).toEqual([
      { id: selective.id, reasons: ['newest'] },
      { id: full2.id, reasons: ['newest'] },
    ])
    expect(result.deleted.map((r) => r.id)).toEqual([full1.id])
    expect((await backups.list()).map((r) => [r.id, r.partial])).toEqual([[selective.id, true], [full2.id, false]])
    // the routes' history says it too (the settings card's rows)
    const history = await handleBackupRequest(
      { method: 'GET', path: '/history', query: {}, headers: {}, signal: new AbortController().signal },
      { manager: backups, config: resolveHttpConfig({ tokenSecret: 's'.repeat(32) }), authorize: () => 'admin', log: () => {} },
    )
    const rows = (history.kind === 'json' ? history.json : null) as { backups: { id: string; partial: boolean }[] }
    expect(rows.backups.map((b) => [b.id, b.partial])).toEqual([[selective.id, true], [full2.id, false]])
    // once more: nothing else goes
    expect((await backups.cleanup({ daysToKeep: 0 })).deleted).toEqual([])
  }, 120_000)

  it('keeps the newest full verified backup beside a partial verified one (newest-verified)', async () => {
    const backups = await manager()
    const fullOk = await backups.create()
    expect((await backups.verify(fullOk.id)).ok).toBe(true)
    const selectiveOk = await backups.create({ excludeTables: ['public.rooms'] })
    expect(selectiveOk.partial).toBe(true)
    expect((await backups.verify(selectiveOk.id)).ok).toBe(true)
    const newest = await backups.create() // full, never verified

    const result = await backups.cleanup({ daysToKeep: 0 })
    expect(result.kept).toEqual([
      { id: newest.id, reasons: ['newest'] },
      { id: selectiveOk.id, reasons: ['newest-verified'] },
      { id: fullOk.id, reasons: ['newest-verified'] },
    ])
    expect(result.deleted).toEqual([])
  }, 120_000)

  it('records say partial for every kind of selection, and full without one', async () => {
    const backups = await manager()
    expect((await backups.create({ excludeTableData: ['public.rooms'] })).partial).toBe(true)
    expect((await backups.create({ schemas: ['public'] })).partial).toBe(true)
    expect((await backups.create({ excludeSchemas: ['audit'] })).partial).toBe(true)
    expect((await (await manager({ dump: { schemaOnly: true } })).create()).partial).toBe(true)
    expect((await (await manager({ dump: { dataOnly: true } })).create()).partial).toBe(true)
    // options that leave the tables, definitions and rows whole
    expect((await (await manager({ dump: { noOwner: true, noComments: true } })).create()).partial).toBe(false)
  }, 120_000)
})
