// Restoring and verifying managed backups: full restore into a new database, refusal of a non-empty
// target, selective restore of one table by ranged reads, verify on good, flipped and truncated backups.
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertSameDatabase, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase
let dir: string

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'rv_src' })
  await loadSampleDatabase(source.url, { scale: 0.5 })
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-rv-'))
}, 180_000)
afterAll(() => source?.drop())

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}

describe('backups.restore and backups.verify', () => {
  it('restores a backup into a new database equal to the source, and refuses a non-empty target', async () => {
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const record = await backups.create()
    const name = `rv_full_${Date.now()}`
    try {
      const summary = await backups.restore(record.id, { target: server.url, createDatabase: name })
      expect(summary.database).toBe(name)
      expect(summary.bytesRead).toBe(record.size)
      await assertSameDatabase(source.url, server.url.replace(/\/[^/]*$/, `/${name}`))
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const refused = await failure(backups.restore(record.id))
    expect(refused.code).toBe('TARGET_NOT_EMPTY')
    expect(refused.message).toContain(source.name)
  })

  it('restores one table by reading only the definitions and that table\'s member', async () => {
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    const payments = manifest.tables.find((t) => t.name === 'payments')!
    const target = await createDatabase(server.url, { prefix: 'rv_one' })
    try {
      const summary = await backups.restore(record.id, { target: target.url, tables: ['public.payments'] })
      console.log(`selective restore of public.payments: read ${summary.bytesRead} bytes of a ${record.size}-byte backup (member ${payments.member.length} bytes)`)
      expect(summary.bytesRead).toBeLessThan(payments.member.length + 1024 * 1024)
      expect(summary.bytesRead).toBeLessThan(record.size)
      expect(summary.tables).toEqual([{ schema: 'public', name: 'payments', rows: payments.rows }])
      const tables = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
      expect(tables.map((t) => t.relname)).toEqual(['payments'])
      const [count] = await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM public.payments')
      expect(Number(count!.n)).toBe(payments.rows)
    } finally {
      await target.drop()
    }
  })

  it('verify passes on a good backup and records it; fails precisely on a flipped byte and on truncation', async () => {
    const vdir = await mkdtemp(join(tmpdir(), 'pgkeep-rv-'))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: vdir }) })
    const good = await backups.create()
    const report = await backups.verify(good.id)
    expect(report.ok).toBe(true)
    expect(report.integrity.ok).toBe(true)
    expect(report.tables.length).toBeGreaterThan(5)
    expect(report.tables.every((t) => t.ok && t.foundRows === t.expectedRows)).toBe(true)
    expect(report.sequences.length).toBeGreaterThan(0)
    expect((await backups.get(good.id)).verified).toEqual({ at: new Date(report.verifiedAt), ok: true })
    expect(await databaseExists(`pgkeep_verify_${good.id.slice(0, 8)}`)).toBe(false)

    // one byte flipped inside the bills member
    const flipped = await backups.create()
    const manifest = await backups.manifest(flipped.id)
    const bills = manifest.tables.find((t) => t.name === 'bills')!
    const file = join(vdir, flipped.storagePath)
    const bytes = await readFile(file)
    bytes[bills.member.offset + Math.floor(bills.member.length / 2)]! ^= 0xff
    await writeFile(file, bytes)
    const bad = await backups.verify(flipped.id)
    expect(bad.ok).toBe(false)
    expect(bad.error?.code).toBe('BACKUP_CORRUPT')
    expect(bad.integrity.damaged.map((d) => d.member)).toEqual(['table:public.bills'])
    expect(bad.error?.message).toContain('table:public.bills')
    expect((await backups.get(flipped.id)).verified?.ok).toBe(false)

    // truncated in the middle of the file
    const cut = await backups.create()
    await truncate(join(vdir, cut.storagePath), Math.floor(cut.size / 2))
    const short = await backups.verify(cut.id)
    expect(short.ok).toBe(false)
    expect(short.integrity.size).toBe(Math.floor(cut.size / 2))
    expect(short.integrity.damaged.some((d) => d.problem.startsWith('cut short'))).toBe(true)
    expect(short.integrity.damaged.some((d) => d.problem.startsWith('missing'))).toBe(true)
    const rows = await runSql<{ datname: string }>(server.url, "SELECT datname FROM pg_database WHERE datname LIKE 'pgkeep_verify_%'")
    expect(rows).toEqual([])
  })
})
