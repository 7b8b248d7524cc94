// A restore into the manager's own database (no target, no createDatabase) holds the backup lock
// exclusively: a backup started while a clean restore runs waits for it and then dumps what was restored
// (before, it read a catalog the restore was dropping: CATALOG_QUERY_FAILED "cache lookup failed"), and a
// restore while a backup is being written is refused with CONFLICT, restoring nothing.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'restore_own' })
  // enough rows that the restore and the backup each take a while
  await runSql(db.url, `CREATE TABLE payments (id integer PRIMARY KEY, note text);
    INSERT INTO payments SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 150000) g;
    CREATE TABLE rooms (id integer PRIMARY KEY, name text); INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 50) g;`)
}, 120_000)
afterAll(() => db?.drop())

describe('a restore into the manager\'s own database', () => {
  it('makes a backup started meanwhile wait for it, and that backup holds what was restored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-restore-own-'))
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false })
    const before = await backups.create()
    // the data changes after the backup: the restore puts it back
    await runSql(db.url, 'DELETE FROM rooms WHERE id > 10; INSERT INTO payments VALUES (200001, \'late\')')

    let applying!: () => void
    const restoring = new Promise<void>((resolve) => { applying = resolve })
    const order: string[] = []
    const restore = backups.restore(before.id, { clean: true, onProgress: (p) => { if (p.phase === 'applying') applying() } })
      .then((summary) => { order.push('restore'); return summary })
    await restoring
    const backup = backups.create().then((record) => { order.push('backup'); return record })
    const [summary, during] = await Promise.all([restore, backup])
    expect(order).toEqual(['restore', 'backup'])
    expect(summary.database).toBe(db.name)
    // the backup started during the restore is of the restored database
    expect(during.metadata.recordCount).toBe(before.metadata.recordCount)
    const [{ rooms, payments }] = await runSql<{ rooms: string; payments: string }>(db.url, 'SELECT (SELECT count(*) FROM rooms) AS rooms, (SELECT count(*) FROM payments) AS payments')
    expect({ rooms: Number(rooms), payments: Number(payments) }).toEqual({ rooms: 50, payments: 150000 })
  }, 120_000)

  it('is refused with CONFLICT while a backup is being written, and restores nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-restore-own-'))
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false })
    const stored = await backups.create()
    await runSql(db.url, 'CREATE TABLE made_after (id integer)')
    const running = backups.start()
    // wait until the running backup copies rows: it holds the lock from before the catalog is read
    await new Promise<void>((resolve) => backups.on('backup:progress', (p) => { if (p.id === running.id && p.phase === 'data') resolve() }))
    const refused = await failure(backups.restore(stored.id, { clean: true }), 'CONFLICT')
    expect(refused.message).toBe('a backup of this database is being written, or a cleanup or another restore runs: nothing was restored')
    await running.done
    // the restore did not run: the table made after the backup is still there
    expect(await runSql(db.url, "SELECT 1 FROM pg_class WHERE relname = 'made_after'")).toHaveLength(1)
    const [event] = await backups.auditLog({ action: 'restore', limit: 1 })
    expect(event).toMatchObject({ outcome: 'refused', detail: { code: 'CONFLICT' } })
    await runSql(db.url, 'DROP TABLE made_after')
  }, 120_000)

  it('does not lock for a restore into another database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-restore-own-'))
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), rateLimit: false })
    const stored = await backups.create()
    const target = await createDatabase(server.url, { prefix: 'restore_own_target' })
    try {
      const running = backups.start()
      await new Promise<void>((resolve) => backups.on('backup:progress', (p) => { if (p.id === running.id && p.phase === 'data') resolve() }))
      const summary = await backups.restore(stored.id, { target: target.url })
      expect(summary.database).toBe(target.name)
      await running.done
    } finally {
      await target.drop()
    }
  }, 120_000)
})
