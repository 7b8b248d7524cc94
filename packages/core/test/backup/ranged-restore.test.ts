// backups.restore(id, { jobs }) of a plain backup reads it by members: the leader the definitions, each
// worker its own table's member, by ranged reads (fs and S3, as the S3 endpoint's own request log shows
// them). The restore equals the source, a selective one reads only the definitions and its tables, a
// damaged table member fails with BACKUP_CORRUPT and leaves no database behind, and verify runs its
// scratch restore the same way with jobs.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { assertSameDatabase, createDatabase, runSql, startS3Server, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, s3Storage, type BackupManifest, type StorageDriver } from '../../src/index'
import { parseManifest, serializeManifest } from '../../src/manifest/manifest'
import { failure } from '../failure'
import { expectReadsOfMembers, readsOf } from '../helpers/ranged-reads'

const server = inject('pgDefault')
/** The other majors of the run (PGKEEP_TEST_MAJORS). */
const servers = Object.values(inject('pgServers'))
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'rr_src' })
  await loadSampleDatabase(source.url, { scale: 0.4 })
}, 180_000)
afterAll(() => source?.drop())

const urlOf = (name: string) => server.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`)

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}

/** fsStorage, with every get() of the backup object noted (the range asked for, or null for the whole object). */
function recordingFs(dir: string): { storage: StorageDriver; gets: ({ start: number; end?: number } | null)[] } {
  const fs = fsStorage({ dir })
  const gets: ({ start: number; end?: number } | null)[] = []
  const storage: StorageDriver = {
    ...fs,
    get: (key, range) => {
      if (key.endsWith('.sql.gz')) gets.push(range ?? null)
      return fs.get(key, range)
    },
  }
  return { storage, gets }
}

const tableMembers = (manifest: BackupManifest) => manifest.members.filter((m) => m.label?.startsWith('table:') && m.length > 0)

describe('backups.restore with jobs reads a plain backup by members', () => {
  it('from fs: equal to the source, each table member read by a ranged read of its own', async () => {
    const { storage, gets } = recordingFs(await mkdtemp(join(tmpdir(), 'pgkeep-rr-')))
    const backups = createBackupManager({ connection: source.url, storage })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    const name = `rr_fs_${Date.now()}`
    try {
      gets.length = 0
      const summary = await backups.restore(record.id, { target: server.url, createDatabase: name, jobs: 2 })
      await assertSameDatabase(source.url, urlOf(name))
      // every table's member by a read of exactly its bytes; nothing read whole
      expect(gets).not.toContainEqual(null)
      for (const m of tableMembers(manifest)) expect(gets).toContainEqual({ start: m.offset, end: m.offset + m.length - 1 })
      expect(summary.bytesRead).toBe(record.size)
      const rows = (list: { schema: string; name: string; rows: number }[]) => list.map((t) => `${t.schema}.${t.name}=${t.rows}`).sort()
      expect(rows(summary.tables)).toEqual(rows(manifest.tables))
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('hands the members out largest first, and builds each table\'s keys and indexes in the transaction that loaded its data, with their comments', async () => {
    const { storage, gets } = recordingFs(await mkdtemp(join(tmpdir(), 'pgkeep-rr-')))
    const backups = createBackupManager({ connection: source.url, storage })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    const name = `rr_order_${Date.now()}`
    try {
      gets.length = 0
      await backups.restore(record.id, { target: server.url, createDatabase: name, jobs: 2 })
      await assertSameDatabase(source.url, urlOf(name))
      // the two workers start with the two largest tables, whatever their place in the backup
      const members = tableMembers(manifest)
      const read = gets.map((g) => members.find((m) => g?.start === m.offset)).filter((m) => m !== undefined)
      const largest = [...members].sort((a, b) => b.uncompressed - a.uncompressed).slice(0, 2)
      expect(members.slice(0, 2).map((m) => m.label)).not.toEqual(largest.map((m) => m.label))
      expect(read.slice(0, 2).map((m) => m.label).sort()).toEqual(largest.map((m) => m.label).sort())
      // an index made in the data's transaction has that transaction's xmin (pg_restore -j builds once the data is in)
      const indexes = await runSql<{ index: string; table: string; index_xmin: string }>(urlOf(name), `
        SELECT c.relname AS index, t.relname AS table, c.xmin::text AS index_xmin
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relnamespace = 'public'::regnamespace AND t.relkind = 'r'`)
      let checked = 0
      for (const index of indexes) {
        const [row] = await runSql<{ xmin: string }>(urlOf(name), `SELECT xmin::text AS xmin FROM public."${index.table}" LIMIT 1`)
        if (!row) continue
        expect(`${index.index}: ${index.index_xmin}`).toBe(`${index.index}: ${row.xmin}`)
        checked++
      }
      expect(checked).toBeGreaterThan(5)
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('from S3: ranged GETs only, one per table member, and a selective restore reads only the definitions and its table', async () => {
    const s3 = await startS3Server({ recordRequests: true })
    try {
      const bucket = `pgkeep-rr-${randomBytes(4).toString('hex')}`
      const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket })
      const backups = createBackupManager({ connection: source.url, storage })
      const record = await backups.create()
      const manifest = await backups.manifest(record.id)
      const name = `rr_s3_${Date.now()}`
      try {
        const before = (await s3.requests()).length
        const summary = await backups.restore(record.id, { target: server.url, createDatabase: name, jobs: 2 })
        const reads = readsOf((await s3.requests()).slice(before), bucket, record.storagePath)
        console.log(`parallel restore (jobs 2) from S3: ${reads.gets.length} ranged GETs, ${reads.bytesSent} bytes of a ${record.size}-byte backup with ${tableMembers(manifest).length} table members`)
        expectReadsOfMembers(reads, manifest.members)
        for (const m of tableMembers(manifest)) expect(reads.gets.map((g) => g.range)).toContainEqual({ start: m.offset, end: m.offset + m.length - 1 })
        expect(summary.bytesRead).toBe(reads.bytesSent)
        await assertSameDatabase(source.url, urlOf(name))
      } finally {
        await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }

      const payments = manifest.tables.find((t) => t.schema === 'public' && t.name === 'payments')!
      const target = await createDatabase(server.url, { prefix: 'rr_one' })
      try {
        const before = (await s3.requests()).length
        const summary = await backups.restore(record.id, { target: target.url, tables: ['public.payments'], jobs: 2 })
        const reads = readsOf((await s3.requests()).slice(before), bucket, record.storagePath)
        expectReadsOfMembers(reads, manifest.members.filter((m) => m.label === null || m.label === 'table:public.payments'))
        expect(reads.gets.map((g) => g.range)).toContainEqual({ start: payments.member.offset, end: payments.member.offset + payments.member.length - 1 })
        expect(summary.tables).toEqual([{ schema: 'public', name: 'payments', rows: payments.rows }])
        const [count] = await runSql<{ n: string }>(target.url, 'SELECT count(*) AS n FROM public.payments')
        expect(Number(count!.n)).toBe(payments.rows)
      } finally {
        await target.drop()
      }
    } finally {
      await s3.stop()
    }
  })

  // in its middle (as a bad disk sector would: the text inflated before gzip's checksum may reach the
  // server first), and in its gzip checksum alone (every row loads; only the member's end tells)
  for (const damage of ['middle', 'checksum'] as const) {
    it(`a table member damaged in its ${damage} fails with BACKUP_CORRUPT naming it, and the created database is dropped`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-rr-'))
      const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
      const record = await backups.create()
      const manifest = await backups.manifest(record.id)
      const victim = tableMembers(manifest).sort((a, b) => b.length - a.length)[0]!
      const file = await open(join(dir, record.storagePath), 'r+')
      try {
        // the gzip trailer: CRC-32, then the length, 4 bytes each
        const at = damage === 'middle' ? victim.offset + Math.floor(victim.length / 2) : victim.offset + victim.length - 8
        const bytes = Buffer.alloc(4)
        await file.read(bytes, 0, 4, at)
        for (let i = 0; i < 4; i++) bytes[i] = bytes[i]! ^ 0xff
        await file.write(bytes, 0, 4, at)
      } finally {
        await file.close()
      }
      const name = `rr_bad_${Date.now()}`
      try {
        const error = await failure(backups.restore(record.id, { target: server.url, createDatabase: name, jobs: 2 }), 'BACKUP_CORRUPT')
        expect(error.message).toContain(victim.label!)
        expect(error.message).toContain(`bytes ${victim.offset}-${victim.offset + victim.length - 1}`)
        expect(await databaseExists(name)).toBe(false)
      } finally {
        await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }
    })
  }

  it('a member whose damaged text reaches the server before gzip\'s checksum fails is reported as damage (BACKUP_CORRUPT), not as the row the server refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-rr-'))
    const record = await createBackupManager({ connection: source.url, storage: fsStorage({ dir }) }).create()
    const manifestFile = join(dir, manifestKeyOf(record.storagePath))
    const manifest = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile)
    const victim = tableMembers(manifest).sort((a, b) => b.uncompressed - a.uncompressed)[0]!
    const object = await readFile(join(dir, record.storagePath))
    const original = object.subarray(victim.offset, victim.offset + victim.length)
    // the first row gets columns the table does not have (SQLSTATE 22P04); deflated anew, but with the
    // original's CRC-32 and length trailer, so that only the member's end says it is damaged
    const text = gunzipSync(original).toString('utf8').replace(/( FROM stdin;\n[^\n]*)/, `$1${'\tx'.repeat(40)}`)
    const damaged = gzipSync(text)
    original.copy(damaged, damaged.length - 8, original.length - 8)
    const shift = damaged.length - victim.length
    const rewritten = Buffer.concat([object.subarray(0, victim.offset), damaged, object.subarray(victim.offset + victim.length)])
    await writeFile(join(dir, record.storagePath), rewritten)
    const moved = <M extends { offset: number; length: number }>(m: M): M => (m.offset > victim.offset ? { ...m, offset: m.offset + shift } : m.offset === victim.offset ? { ...m, length: damaged.length } : m)
    await writeFile(manifestFile, serializeManifest({
      ...manifest, size: rewritten.length, sha256: createHash('sha256').update(rewritten).digest('hex'),
      members: manifest.members.map((m) => ({ ...moved(m), sha256: createHash('sha256').update(rewritten.subarray(moved(m).offset, moved(m).offset + moved(m).length)).digest('hex') })),
      tables: manifest.tables.map((t) => ({ ...t, member: moved(t.member) })),
    }))
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }) })
    const name = `rr_late_${Date.now()}`
    try {
      const error = await failure(backups.restore(record.id, { target: server.url, createDatabase: name, jobs: 2 }), 'BACKUP_CORRUPT')
      expect(error.message).toContain(victim.label!)
      expect(await databaseExists(name)).toBe(false)
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('verify with jobs restores the scratch database by members and passes; jobs out of range is refused', async () => {
    const { storage, gets } = recordingFs(await mkdtemp(join(tmpdir(), 'pgkeep-rr-')))
    const backups = createBackupManager({ connection: source.url, storage })
    const record = await backups.create()
    const manifest = await backups.manifest(record.id)
    gets.length = 0
    const report = await backups.verify(record.id, { jobs: 2 })
    expect(report.error).toBeUndefined()
    expect(report.ok).toBe(true)
    expect(report.tables.length).toBe(manifest.tables.length)
    // the integrity check reads the object whole; the restore reads each table's member on its own
    for (const m of tableMembers(manifest)) expect(gets).toContainEqual({ start: m.offset, end: m.offset + m.length - 1 })
    const refused = await failure(backups.verify(record.id, { jobs: 0 }), 'OPTIONS_INVALID')
    expect(refused.message).toContain('jobs')
  })
})

describe('by members on each major of the run (PGKEEP_TEST_MAJORS)', () => {
  if (servers.length === 0) it('PostgreSQL majors besides the default', (ctx) => ctx.skip(true, 'PGKEEP_TEST_MAJORS=none: no other major in this run'))
  for (const other of servers) {
    it(`PostgreSQL ${other.major}: a backup restored with jobs 2 by members equals its source`, async () => {
      const from = await createDatabase(other.url, { prefix: 'rr_major' })
      const name = `rr_m${other.major}_${Date.now()}`
      const otherUrlOf = (db: string) => other.url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`)
      try {
        await loadSampleDatabase(from.url, { scale: 0.2 })
        const backups = createBackupManager({ connection: from.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-rr-')) }) })
        const record = await backups.create()
        const summary = await backups.restore(record.id, { target: other.url, createDatabase: name, jobs: 2 })
        expect(summary.serverVersion.startsWith(`${other.major}.`)).toBe(true)
        await assertSameDatabase(from.url, otherUrlOf(name))
      } finally {
        await runSql(other.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await from.drop()
      }
    }, 180_000)
  }
})
