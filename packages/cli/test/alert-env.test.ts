// The alert thresholds of PGKEEP_ALERT_* reach the command: a `pgkeep backup` from cron with
// PGKEEP_ALERT_SIZE_ABOVE says once on stderr that the backup is above it (and exits 0), with
// PGKEEP_ALERT_STORAGE_QUOTA that the storage is near its quota; without them it says nothing, and a value
// that is not a size is OPTIONS_INVALID naming the variable before any backup is made.
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_alert_env' })
  await runSql(db.url, 'CREATE TABLE rooms (id integer PRIMARY KEY, name text); INSERT INTO rooms SELECT g, \'kamar \' || g FROM generate_series(1, 50) g;')
})
afterAll(() => db?.drop())

describe('PGKEEP_ALERT_* in pgkeep backup', () => {
  it('without them a backup says nothing; PGKEEP_ALERT_SIZE_ABOVE=1 says once that it is above, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-alert-env-'))
    const quiet = await run(['backup', db.url, '--dir', dir, '--json'])
    expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({ code: 0, stderr: '' })

    const made = await run(['backup', db.url, '--dir', dir, '--json'], { env: { PGKEEP_ALERT_SIZE_ABOVE: '1' } })
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout) as { id: string; filename: string; size: number }
    expect(made.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown)).toEqual([
      { warning: { kind: 'backup-size-above', message: `backup ${record.filename} is ${record.size} bytes, above the 1-byte threshold`, detail: { id: record.id, size: record.size, thresholdBytes: 1 } } },
    ])

    // a unit, and a size the backup stays under: nothing to say
    const under = await run(['backup', db.url, '--dir', dir, '-q'], { env: { PGKEEP_ALERT_SIZE_ABOVE: '1GB' } })
    expect({ code: under.code, stderr: under.stderr }).toEqual({ code: 0, stderr: '' })

    const text = await run(['backup', db.url, '--dir', dir, '-q'], { env: { PGKEEP_ALERT_SIZE_ABOVE: '1' } })
    expect(text.code, text.stderr).toBe(0)
    expect(text.stderr).toMatch(/^pgkeep: warning: backup \S+\.sql\.gz is \d+ bytes, above the 1-byte threshold\n$/)
  })

  it('PGKEEP_ALERT_STORAGE_QUOTA says that the storage is near its quota', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-alert-env-'))
    const made = await run(['backup', db.url, '--dir', dir, '-q'], { env: { PGKEEP_ALERT_STORAGE_QUOTA: '1kB', PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: '0.5' } })
    expect(made.code, made.stderr).toBe(0)
    expect(made.stderr).toMatch(/^pgkeep: warning: the backups take \d+ bytes, [\d.]+% of the 1024-byte quota \(alert above 50%\)\n$/)
  })

  it('PGKEEP_ALERT_SIZE_ABOVE=abc is OPTIONS_INVALID naming the variable, and no backup is made', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-alert-env-'))
    const bad = await run(['backup', db.url, '--dir', dir, '--json'], { env: { PGKEEP_ALERT_SIZE_ABOVE: 'abc' } })
    expect(bad.code).not.toBe(0)
    expect(bad.stdout).toBe('')
    const { error } = JSON.parse(bad.stderr) as { error: { code: string; message: string } }
    expect(error).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/^PGKEEP_ALERT_SIZE_ABOVE must be a size above 0, .* not "abc"$/) })
    expect(await readdir(dir)).toEqual([])

    const text = await run(['backup', db.url, '--dir', dir], { env: { PGKEEP_ALERT_SIZE_ABOVE: 'abc' } })
    expect(text.code).toBe(bad.code)
    expect(text.stderr).toMatch(/^pgkeep: error: PGKEEP_ALERT_SIZE_ABOVE must be a size above 0, .* not "abc" \[OPTIONS_INVALID\]\n/)
  })
})
