// Backups that start in the same millisecond (two hosts sharing a folder, a clock step) each get their
// own storage key: both are stored and both restore, and one that fails does not take the other's dump
// with it. Names written before the id tag (`…-<epoch ms>.sql.gz`) are still listed and retained.
// Real PostgreSQL, a real folder; the managers' clocks are fixed through their `now` option.
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase
const targets: TestDatabase[] = []

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'unique_keys_src' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text);
    INSERT INTO rooms SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 5000) g;`)
}, 120_000)
afterAll(async () => {
  await Promise.all(targets.map((t) => t.drop()))
  await source?.drop()
})

async function target(): Promise<TestDatabase> {
  const db = await createDatabase(server.url, { prefix: 'unique_keys_dst' })
  targets.push(db)
  return db
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).filter((f) => !f.startsWith('backups/audit/')).sort()
}

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')

describe('backups in the same millisecond', () => {
  it('two managers on one folder: both stored under their own keys, both restore; a third that fails removes neither', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-unique-'))
    const instant = new Date('2026-11-26T02:00:00.000Z')
    const host = () => createBackupManager({ connection: source.url, storage: fsStorage({ dir }), now: () => instant, rateLimit: false })
    const [a, b] = await Promise.all([host().create(), host().create()])

    expect(a.storagePath).not.toBe(b.storagePath)
    for (const r of [a, b]) {
      expect(r.storagePath).toBe(`backups/2026/backup-2026-11-26-${instant.getTime()}-${r.id.slice(0, 8)}.sql.gz`)
      expect(await sha256(join(dir, r.storagePath))).toBe(r.sha256)
    }
    expect(await files(dir)).toEqual([a.storagePath, b.storagePath, ...[a, b].map((r) => r.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))].sort())
    const reader = host()
    expect((await reader.list()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort())
    for (const r of [a, b]) {
      const db = await target()
      await reader.restore(r.id, { target: db.url })
      expect(await runSql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 5000 }])
    }

    // the same instant again, and this one fails (past its size limit) after it began storing
    const failing = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), now: () => instant, rateLimit: false, maxSizeBytes: 1000 })
    await failure(failing.create(), 'SIZE_LIMIT_EXCEEDED')
    expect(await files(dir)).toEqual([a.storagePath, b.storagePath, ...[a, b].map((r) => r.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))].sort())
    for (const r of [a, b]) expect(await sha256(join(dir, r.storagePath))).toBe(r.sha256)
    const db = await target()
    await reader.restore(a.id, { target: db.url })
    expect(await runSql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM rooms')).toEqual([{ n: 5000 }])
  })

  it('a backup under the name shape without the id tag is listed, found and removed by retention', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-unique-'))
    const then = new Date(Date.now() - 40 * 86_400_000)
    const old = await createBackupManager({ connection: source.url, storage: fsStorage({ dir }), now: () => then }).create()
    // rename it as a release before the id tag wrote it: `<prefix>-YYYY-MM-DD-<epoch ms>.sql.gz`
    const oldPath = old.storagePath.replace(/-[0-9a-f]{8}\.sql\.gz$/, '.sql.gz')
    expect(oldPath).toMatch(/^backups\/\d{4}\/backup-\d{4}-\d{2}-\d{2}-\d{13}\.sql\.gz$/)
    const manifestPath = join(dir, old.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { storagePath: string; filename: string }
    manifest.storagePath = oldPath
    manifest.filename = oldPath.slice(oldPath.lastIndexOf('/') + 1)
    await rename(join(dir, old.storagePath), join(dir, oldPath))
    await writeFile(join(dir, oldPath.replace(/\.sql\.gz$/, '.manifest.json')), JSON.stringify(manifest))
    await rm(manifestPath)

    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const fresh = await backups.create()
    expect((await backups.list()).map((r) => [r.id, r.storagePath])).toEqual([[fresh.id, fresh.storagePath], [old.id, oldPath]])
    expect((await backups.get(old.id)).filename).toBe(manifest.filename)
    const result = await backups.cleanup({ daysToKeep: 30 })
    expect(result.deleted.map((r) => r.id)).toEqual([old.id])
    expect(await files(dir)).toEqual([fresh.storagePath, fresh.storagePath.replace(/\.sql\.gz$/, '.manifest.json')].sort())
  })
})
