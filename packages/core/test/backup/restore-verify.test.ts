// Restoring and verifying managed backups: full restore into a new database, refusal of a non-empty
// target, selective restore of one table by ranged reads (as the S3 endpoint's own request log shows
// them), verify on good, flipped and truncated backups, and on backups whose content differs from their
// manifest's per-table hashes, row counts and sequence values while the stored file's hash still matches.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertSameDatabase, createDatabase, runSql, startS3Server, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, s3Storage } from '../../src/index'
import { failure } from '../failure'
import { expectReadsOfMembers, readsOf } from '../helpers/ranged-reads'

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

  it('verifies one backup twice at once: each verify has a scratch database of its own', async () => {
    // two verifies started in the same millisecond (a double click, the schedule's and a person's) made the
    // same scratch name: one failed with RESTORE_FAILED "duplicate key value violates unique constraint"
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), rateLimit: false })
    const record = await backups.create()
    const now = Date.now()
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now)
    try {
      const reports = await Promise.all([backups.verify(record.id), backups.verify(record.id)])
      expect(reports.map((r) => [r.ok, r.error])).toEqual([[true, undefined], [true, undefined]])
    } finally {
      clock.mockRestore()
    }
    const left = await runSql(server.url, `SELECT datname FROM pg_database WHERE datname LIKE 'pgkeep_verify_${record.id.slice(0, 8)}%'`)
    expect(left).toEqual([])
  })

  it('restores one table by reading only the definitions and that table\'s member, as the S3 endpoint logs it', async () => {
    // An endpoint of its own, recording every request: the reads are the server's account, not pgkeep's.
    const s3 = await startS3Server({ recordRequests: true })
    try {
      const bucket = `pgkeep-rv-${randomBytes(4).toString('hex')}`
      const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket })
      const backups = createBackupManager({ connection: source.url, storage })
      const record = await backups.create()
      const manifest = await backups.manifest(record.id)
      const payments = manifest.tables.find((t) => t.name === 'payments')!
      const target = await createDatabase(server.url, { prefix: 'rv_one' })
      try {
        const before = (await s3.requests()).length
        const summary = await backups.restore(record.id, { target: target.url, tables: ['public.payments'] })
        const reads = readsOf((await s3.requests()).slice(before), bucket, record.storagePath)
        console.log(`selective restore of public.payments: the server sent ${reads.bytesSent} bytes in ${reads.gets.length} ranged GETs of a ${record.size}-byte backup (member ${payments.member.length} bytes)`)
        // The definitions (unlabelled members) and the payments member, every byte of them, and nothing else.
        expectReadsOfMembers(reads, manifest.members.filter((m) => m.label === null || m.label === 'table:public.payments'))
        expect(reads.bytesSent).toBeLessThan(payments.member.length + 1024 * 1024)
        expect(reads.bytesSent).toBeLessThan(record.size)
        // pgkeep's own counter agrees with the server's log.
        expect(summary.bytesRead).toBe(reads.bytesSent)
        expect(summary.tables).toEqual([{ schema: 'public', name: 'payments', rows: payments.rows }])
        const tables = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
        expect(tables.map((t) => t.relname)).toEqual(['payments'])
        const [count] = await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM public.payments')
        expect(Number(count!.n)).toBe(payments.rows)
      } finally {
        await target.drop()
      }
    } finally {
      await s3.stop()
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
    // none of this test's verifies left its scratch database (other files' verifies may run meanwhile)
    expect(await scratchDatabasesOf([good.id, flipped.id, cut.id])).toEqual([])
  })

  it('verify compares the restored data with the manifest: a hash, a row count or a sequence that differ fail it, table by table', async () => {
    const vdir = await mkdtemp(join(tmpdir(), 'pgkeep-rv-'))
    const made = await createBackupManager({ connection: source.url, storage: fsStorage({ dir: vdir }) }).create()
    // The manifest says other things than the dump holds; the dump and the manifest's file size and sha256 are untouched.
    const manifestFile = join(vdir, manifestKeyOf(made.storagePath))
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { tables: { schema: string; name: string; rows: number; sha256: string }[]; sequences: { schema: string; name: string; value: string }[] }
    const bills = manifest.tables.find((t) => t.name === 'bills')!
    const payments = manifest.tables.find((t) => t.name === 'payments')!
    const sequence = manifest.sequences[0]!
    const billsSha256 = bills.sha256
    bills.sha256 = billsSha256.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    payments.rows += 1
    sequence.value = String(BigInt(sequence.value) + 7n)
    await writeFile(manifestFile, JSON.stringify(manifest))

    // A fresh manager reads the edited manifest (no cache from the one that wrote it).
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir: vdir }) })
    const report = await backups.verify(made.id)
    expect(report.integrity.ok).toBe(true)
    expect(report.error).toBeUndefined()
    expect(report.ok).toBe(false)
    expect(report.tables.filter((t) => !t.ok).map((t) => `${t.schema}.${t.name}`).sort()).toEqual(['public.bills', 'public.payments'])
    const badBills = report.tables.find((t) => t.name === 'bills')!
    expect(badBills).toMatchObject({ expectedSha256: bills.sha256, foundSha256: billsSha256, expectedRows: bills.rows, foundRows: bills.rows })
    const badPayments = report.tables.find((t) => t.name === 'payments')!
    expect(badPayments).toMatchObject({ expectedRows: payments.rows, foundRows: payments.rows - 1, expectedSha256: payments.sha256, foundSha256: payments.sha256 })
    expect(report.sequences.filter((q) => !q.ok).map((q) => `${q.schema}.${q.name}`)).toEqual([`${sequence.schema}.${sequence.name}`])
    expect((await backups.get(made.id)).verified?.ok).toBe(false)
    expect(await scratchDatabasesOf([made.id])).toEqual([])
  })
})

/** The scratch databases verifies of these backups left (named pgkeep_verify_<first 8 hex digits of the id>_…). */
async function scratchDatabasesOf(ids: string[]): Promise<string[]> {
  const rows = await runSql<{ datname: string }>(server.url, "SELECT datname FROM pg_database WHERE datname LIKE 'pgkeep_verify_%'")
  return rows.map((r) => r.datname).filter((name) => ids.some((id) => name.startsWith(`pgkeep_verify_${id.slice(0, 8)}_`)))
}
