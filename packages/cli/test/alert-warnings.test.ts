// The manager's alerts said by the one-shot commands: `pgkeep backup` and `pgkeep cleanup` from cron while
// the change archive's slot is behind (nobody reads it: the server keeps its WAL until the disk is full)
// print one warning line on stderr naming the slot (with --json a JSON document), once, and exit 0; a
// backup with nothing to say prints nothing. An embedded server with wal_level = logical holds the slot.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-cli-alerts-'))
chmodSync(workDir, 0o755)
const slot = `pgkeep_cli_alerts_${process.pid}`
let own: EmbeddedServer | null = null
let db: TestDatabase

beforeAll(async () => {
  const embedded = Object.values(pgServers).find((s) => s.major === pgDefault.major) ?? Object.values(pgServers)[0]
  const serverUrl = embedded ? embedded.url : (own = await startEmbeddedServer({ major: isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15, dataDir: join(workDir, 'pg') })).url
  db = await createDatabase(serverUrl, { prefix: 'cli_alerts' })
  await runSql(db.url, 'CREATE TABLE events (id bigserial PRIMARY KEY, payload text); CREATE PUBLICATION pgkeep_all FOR ALL TABLES;')
}, 120_000)

afterAll(async () => {
  if (db) await runSql(db.url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
  await db?.drop()
  await own?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

describe('alerts of one-shot commands', () => {
  it('a backup with nothing to say prints no warning', async () => {
    const quiet = await run(['backup', db.url, '--dir', join(workDir, 'quiet'), '-q'])
    expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({ code: 0, stderr: '' })
  })

  it('backup and cleanup say once that the archive\'s slot is behind, and exit 0', async () => {
    const store = join(workDir, 'store')
    const made = await run(['backup', db.url, '--dir', store, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const base = JSON.parse(made.stdout) as { storagePath: string }
    // the base backup of a chain reading the slot (what pgkeep archive writes), completed two hours ago,
    // and the archiver down since: the slot keeps the WAL of every write after it
    await runSql(db.url, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`)
    const manifestFile = join(store, base.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>
    manifest.changes = { slot, publication: 'pgkeep_all', startLsn: '0/1000000' }
    manifest.completedAt = new Date(Date.now() - 2 * 3_600_000).toISOString()
    await writeFile(manifestFile, JSON.stringify(manifest))
    await runSql(db.url, "INSERT INTO events (payload) SELECT (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i) FROM generate_series(1, 500) g")

    const warning = new RegExp(`^pgkeep: warning: the change archive's slot ${slot} is \\d+ bytes and \\d+ seconds behind \\(alert above 1073741824 bytes or 900 seconds\\): no archiver is reading it; the server keeps its WAL until it catches up\\n$`)
    const backup = await run(['backup', db.url, '--dir', store, '-q'])
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stdout).toMatch(/^[0-9a-f-]{36} fs:/)
    expect(backup.stderr).toMatch(warning)

    // --json: the record on stdout, the warning as one JSON document on stderr
    const json = await run(['backup', db.url, '--dir', store, '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'manual' })
    const lines = json.stderr.split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ warning: { kind: 'archive-lag', message: expect.stringContaining(`slot ${slot} is`), detail: { slot, active: false } } })

    // cleanup (which deletes nothing here) says it too; its dry run runs no check, as the manager's does not
    const cleanup = await run(['cleanup', db.url, '--dir', store])
    expect(cleanup.code, cleanup.stderr).toBe(0)
    expect(cleanup.stdout).toMatch(/0 deleted, 3 kept\n$/)
    expect(cleanup.stderr).toMatch(warning)
    const dry = await run(['cleanup', db.url, '--dir', store, '--dry-run'])
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' })
  })
})
