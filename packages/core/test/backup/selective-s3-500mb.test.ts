// Restoring one table out of a 500 MB backup in S3 reads only the definitions and that table's member,
// less than the member plus 1 MB: the evidence is the S3 endpoint's own request log (an s3rver of this
// file's, recording every request: the ranged GETs, their Range headers and the bytes sent). The source
// is the sample database at scale 64 (~500 MB of pg_database_size); one small table (public.rooms) and
// one big one (public.payments) are each restored into a fresh empty database.
//
// Runs under CI=true or with PGKEEP_BIG_TESTS=1, and skips with that reason otherwise: it takes over a
// minute on a small machine and needs ~1 GB of disk while it runs (the database and the ~180 MB object),
// all dropped afterwards.
import { createHash, randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { createDatabase, runSql, startS3Server, withClient, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { loadSampleDatabase, type SampleLoadResult } from '@pgkeep/testkit/sample-db/generate'
import { to as copyTo } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, s3Storage, type BackupManager, type BackupManifest, type BackupRecord } from '../../src/index'
import { expectReadsOfMembers, readsOf } from '../helpers/ranged-reads'

const MiB = 1024 * 1024
const server = inject('pgDefault')
const ciTrue = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase())
const notBig = ciTrue || process.env.PGKEEP_BIG_TESTS ? undefined : 'a big test (a 500 MB database, over a minute): runs under CI=true or PGKEEP_BIG_TESTS=1'
const bucket = `pgkeep-sel500-${process.pid}-${randomBytes(3).toString('hex')}`

let s3: S3Server | undefined
let source: TestDatabase | undefined
let loaded: SampleLoadResult
let backups: BackupManager
let record: BackupRecord | undefined
let manifest: BackupManifest

skipAllWhen(notBig)

beforeAll(async () => {
  if (notBig) return
  s3 = await startS3Server({ recordRequests: true })
  source = await createDatabase(server.url, { prefix: 'sel500_src' })
  let t0 = Date.now()
  loaded = await loadSampleDatabase(source.url, { scale: 64 })
  console.log(`sample database at scale 64: ${loaded.bytes} bytes (pg_database_size) in ${Date.now() - t0} ms`)
  expect(loaded.bytes).toBeGreaterThan(450 * MiB)
  const { endPoint, port, accessKey, secretKey, region } = s3
  backups = createBackupManager({
    connection: source.url,
    storage: s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket }),
  })
  t0 = Date.now()
  record = await backups.create()
  manifest = await backups.manifest(record.id)
  expect(manifest.uncompressedBytes).toBeGreaterThan(450 * MiB)
  console.log(`backup ${record.id}: ${record.size} bytes stored in S3 (${manifest.uncompressedBytes} bytes of SQL, ${manifest.totals.rows} rows) in ${Date.now() - t0} ms`)
}, 900_000)

afterAll(async () => {
  await source?.drop()
  // the endpoint's folder goes with it
  await s3?.stop()
}, 300_000)

/** Rows and sha256 of `COPY table TO STDOUT`, as the manifest records them. */
async function copyDigest(url: string, table: string): Promise<{ rows: number; sha256: string }> {
  return withClient(url, async (client) => {
    const hash = createHash('sha256')
    const stream = client.query(copyTo(`COPY ${table} TO STDOUT`))
    await pipeline(stream, new Writable({ write: (chunk: Buffer, _enc, done) => { hash.update(chunk); done() } }))
    return { rows: Number(stream.rowCount ?? 0), sha256: hash.digest('hex') }
  })
}

describe('selective restore out of a 500 MB backup in S3', () => {
  it.each(['rooms', 'payments'])('restores public.%s reading less than its member plus 1 MB', async (name) => {
    const table = manifest.tables.find((t) => t.schema === 'public' && t.name === name)!
    expect(table).toBeDefined()
    expect(table.rows).toBe(loaded.rows[`public.${name}`])
    const target = await createDatabase(server.url, { prefix: `sel500_${name}` })
    try {
      const t0 = Date.now()
      const before = (await s3!.requests()).length
      const summary = await backups.restore(record!.id, { target: target.url, tables: [`public.${name}`] })
      const reads = readsOf((await s3!.requests()).slice(before), bucket, record!.storagePath)
      const definitions = manifest.members.filter((m) => m.label === null).reduce((n, m) => n + m.length, 0)
      console.log(
        `public.${name}: the server sent ${reads.bytesSent} bytes in ${reads.gets.length} ranged GETs (bytesRead ${summary.bytesRead}), ` +
        `member ${table.member.length} bytes, definitions ${definitions} bytes, backup ${record!.size} bytes, ${table.rows} rows in ${Date.now() - t0} ms`,
      )
      // The server's log: every GET ranged, covering the definitions and this table's member and nothing else.
      expectReadsOfMembers(reads, manifest.members.filter((m) => m.label === null || m.label === `table:public.${name}`))
      expect(reads.bytesSent).toBeLessThan(table.member.length + MiB)
      expect(reads.bytesSent).toBeGreaterThanOrEqual(table.member.length)
      expect(summary.bytesRead).toBe(reads.bytesSent)
      expect(summary.tables).toEqual([{ schema: 'public', name, rows: table.rows }])
      // the target holds that table alone, with the manifest's rows, byte for byte
      const tables = await runSql<{ relname: string }>(target.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
      expect(tables.map((t) => t.relname)).toEqual([name])
      expect(await copyDigest(target.url, `public.${name}`)).toEqual({ rows: table.rows, sha256: table.sha256 })
    } finally {
      await target.drop()
    }
  }, 600_000)
})
