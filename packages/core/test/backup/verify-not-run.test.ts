// A verify that could not run is not a verdict on the backup: the server unreachable, or a role that may
// not create the scratch database, rejects (CONNECT_FAILED, PERMISSION_DENIED with a hint) and leaves the
// backup's last verification, its `.verify.json` and the retention that keeps the newest verified backup
// as they were. A restore that fails in the scratch database still is a verdict (restore-verify.test.ts).
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, quoteIdent, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const role = `pgkeep_nocreatedb_${randomBytes(4).toString('hex')}`
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'verify_not_run' })
  await runSql(source.url, 'CREATE TABLE rooms (id integer PRIMARY KEY, name text); INSERT INTO rooms SELECT g, \'room \' || g FROM generate_series(1, 20) g;')
  await runSql(server.url, `CREATE ROLE ${quoteIdent(role)} LOGIN NOCREATEDB NOCREATEROLE`)
}, 120_000)
afterAll(async () => {
  await runSql(server.url, `DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => {})
  await source?.drop()
})

/** The server URL as `user` (trust authentication on the test server), or on another port. */
function serverUrl(change: { user?: string; port?: number }): string {
  const u = new URL(source.url)
  if (change.user) u.username = change.user
  if (change.port) u.port = String(change.port)
  return u.toString()
}

describe('a verify that could not run', () => {
  it('rejects and keeps the last verdict, its report file and what retention keeps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-verify-not-run-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const older = await backups.create()
    await backups.create()
    const good = await backups.verify(older.id)
    expect(good.ok, good.error?.message).toBe(true)
    const reportFile = join(dir, older.storagePath.replace(/\.sql\.gz$/, '.verify.json'))
    const reportBefore = await readFile(reportFile, 'utf8')

    // port 1 on loopback: nothing listens there, the connection is refused at once
    const unreachable = createBackupManager({ connection: serverUrl({ port: 1 }), storage: fsStorage({ dir }) })
    const events: unknown[] = []
    unreachable.on('verify', (e) => { events.push(e) })
    const refused = await failure(unreachable.verify(older.id), 'CONNECT_FAILED')
    expect(refused.message).toMatch(/127\.0\.0\.1:1\b/)

    const noCreatedb = createBackupManager({ connection: serverUrl({ user: role }), storage: fsStorage({ dir }) })
    noCreatedb.on('verify', (e) => { events.push(e) })
    const denied = await failure(noCreatedb.verify(older.id), 'PERMISSION_DENIED')
    expect(denied.message).toMatch(/^unable to create the scratch database pgkeep_verify_\w+: permission denied to create database$/)
    expect(denied.hint).toMatch(/CREATEDB/)
    expect(events).toEqual([])

    // the verdict of the verify that ran stands, in the file and in every manager's records
    expect(await readFile(reportFile, 'utf8')).toBe(reportBefore)
    for (const manager of [backups, unreachable, noCreatedb]) {
      const record = (await manager.list()).find((r) => r.id === older.id)
      expect(record?.verified).toEqual({ at: new Date(good.verifiedAt), ok: true })
    }
    // so the older backup is still the newest verified one, which retention keeps
    const plan = await backups.cleanup({ dryRun: true, daysToKeep: 0 })
    expect(plan.kept.find((k) => k.id === older.id)?.reasons).toContain('newest-verified')

    // the audit trail has both failures, with their codes
    const trail = (await backups.auditLog({ action: 'verify', target: older.id })).map((e) => [e.outcome, e.detail?.code])
    expect(trail).toEqual(expect.arrayContaining([['failure', 'CONNECT_FAILED'], ['failure', 'PERMISSION_DENIED']]))
  }, 120_000)
})
