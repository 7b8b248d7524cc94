// examples/cli-script/nightly-backup.ts as cron runs it: its own process, everything from the
// environment. Checks each step's effect in storage and the exit statuses (0, 1 with later steps
// skipped, 130 on SIGTERM with nothing half written).
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertBuilt, createDatabase, runSql, withDatabase, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '@pgkeep/core'
import { files, run, start, until, writingDump } from './process'

const server = inject('pgDefault')
const root = fileURLToPath(new URL('../../..', import.meta.url))
const script = join(root, 'examples/cli-script/nightly-backup.ts')
const tsx = join(root, 'node_modules/.bin/tsx')
let db: TestDatabase

beforeAll(async () => {
  // the script imports @pgkeep/core as an app does: its build
  assertBuilt('core')
  db = await createDatabase(server.url, { prefix: 'cli_script' })
  await runSql(db.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT g, 'Kamar ' || g FROM generate_series(1, 400) g;
    CREATE TABLE payments (id bigserial PRIMARY KEY, room_id integer REFERENCES rooms, amount numeric(12,2));
    INSERT INTO payments (room_id, amount) SELECT 1 + g % 400, 750000 FROM generate_series(1, 3000) g;`)
}, 60_000)
afterAll(() => db?.drop())

describe('examples/cli-script/nightly-backup.ts', () => {
  it('backs up, verifies and applies retention: one JSON document, each step with its effect in storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-nightly-'))
    // two backups made 40 and 35 days ago: retention of 30 days removes them
    const old = []
    for (const days of [40, 35]) {
      const then = createBackupManager({ connection: db.url, storage: fsStorage({ dir }), now: () => new Date(Date.now() - days * 86_400_000) })
      old.push((await then.create({ type: 'scheduled' })).id)
    }
    const result = await run(tsx, [script, '--json'], { DATABASE_URL: db.url, PGKEEP_BACKUP_DIR: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.ok).toBe(true)
    expect(report.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok])).toEqual([['backup', true], ['verify', true], ['cleanup', true]])
    const made = report.steps[0].detail
    expect(made.rows).toBe(3400)
    expect(report.steps[1].detail).toEqual({ tables: 2, sequences: 1 })
    expect(report.steps[2].detail.deleted.sort()).toEqual([...old].sort())

    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
    const left = await backups.list()
    expect(left.map((r) => r.id)).toEqual([made.id])
    expect(left[0]).toMatchObject({ type: 'scheduled', createdBy: 'cron', verified: { ok: true } })
    const audit = await backups.auditLog({ target: made.id })
    expect(audit.map((e) => [e.action, e.actor, e.outcome])).toEqual(expect.arrayContaining([['create', 'cron', 'success'], ['verify', 'cron', 'success']]))
  })

  it('prints one line per step, and exits 1 with the later steps skipped when the backup fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-nightly-'))
    const good = await run(tsx, [script, '--no-verify', '--keep-days', '7'], { DATABASE_URL: db.url, PGKEEP_BACKUP_DIR: dir })
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^backup {3}ok {6}[0-9a-f-]{36} backups\/\d{4}\/backup-\S+\.sql\.gz \d+ bytes, 3400 rows \(\d+ ms\)\ncleanup  ok {6}deleted 0, kept 1 \(backups younger than 7 days and the newest\) \(\d+ ms\)\n$/)

    const bad = await run(tsx, [script], { DATABASE_URL: withDatabase(server.url, 'no_such_database_here'), PGKEEP_BACKUP_DIR: dir })
    expect(bad.code).toBe(1)
    expect(bad.stdout.split('\n')).toEqual([
      expect.stringMatching(/^backup {3}FAILED {2}.*no_such_database_here.* \[CONNECT_FAILED\]$/),
      'verify   skipped (an earlier step failed)',
      'cleanup  skipped (an earlier step failed)',
      '',
    ])
    const usage = await run(tsx, [script, '--keep-days', 'forever'], { DATABASE_URL: db.url, PGKEEP_BACKUP_DIR: dir })
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('--keep-days (or PGKEEP_KEEP_DAYS) must be a whole number of days, not "forever"')
  })

  it('SIGTERM during the backup: exit 130, and nothing but the audit trail stays in storage', async () => {
    const big = await createDatabase(server.url, { prefix: 'cli_script_big' })
    try {
      await runSql(big.url, `CREATE TABLE payments AS SELECT g AS id, repeat(md5(g::text), 8) AS note FROM generate_series(1, 400000) g;`)
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-nightly-'))
      const child = start(tsx, [script], { DATABASE_URL: big.url, PGKEEP_BACKUP_DIR: dir })
      // the upload has begun once its temporary file exists: stop the script then
      await until(async () => writingDump(dir))
      child.process.kill('SIGTERM')
      const result = await child.done
      expect(result.code).toBe(130)
      expect(result.stdout).toMatch(/^backup {3}FAILED {2}.*\[ABORTED\]\nverify {3}skipped/)
      expect((await files(dir)).filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
    } finally {
      await big.drop()
    }
  })
})
