// Restoring one table out of a 500 MB backup in S3 reads less than that table's member plus 1 MB; the
// test prints the byte counts. The source is the sample database at scale 64 (~500 MB of
// pg_database_size), backed up into a bucket of its own on the run's s3rver; one small table
// (public.rooms) and one big one (public.payments) are each restored into a fresh empty database.
//
// Not gated: on a 2-core machine the whole file takes 75–100 s (load 50–70 s, backup 18–27 s, the two
// restores ~3 s; the upper figures beside other test files), under the 3 minutes that would put it
// behind PGKEEP_BIG_TESTS; it needs ~1 GB of disk while it runs (the database and the ~180 MB object),
// all dropped afterwards.
import { createHash, randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { createDatabase, runSql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { loadSampleDatabase, type SampleLoadResult } from '@pgkeep/testkit/sample-db/generate'
import { Client } from 'minio'
import { to as copyTo } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, s3Storage, type BackupManager, type BackupManifest, type BackupRecord } from '../../src/index'

const MiB = 1024 * 1024
const server = inject('pgDefault')
const s3 = inject('s3')
const bucket = `pgkeep-sel500-${process.pid}-${randomBytes(3).toString('hex')}`

let source: TestDatabase | undefined
let loaded: SampleLoadResult
let backups: BackupManager
let record: BackupRecord | undefined
let manifest: BackupManifest

beforeAll(async () => {
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
  if (record) await backups.remove(record.id).catch(() => {})
  // whatever is left in the bucket (a backup that failed half-way), then the bucket
  const { endPoint, port, accessKey, secretKey, region } = s3
  const client = new Client({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true })
  if (!(await client.bucketExists(bucket))) return
  for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) await client.removeObject(bucket, item.name)
  await client.removeBucket(bucket)
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
      const summary = await backups.restore(record!.id, { target: target.url, tables: [`public.${name}`] })
      const definitions = manifest.members.filter((m) => m.label === null).reduce((n, m) => n + m.length, 0)
      console.log(
        `public.${name}: bytesRead ${summary.bytesRead}, member ${table.member.length} bytes, definitions ${definitions} bytes, ` +
        `backup ${record!.size} bytes, ${table.rows} rows in ${Date.now() - t0} ms`,
      )
      expect(summary.bytesRead).toBeLessThan(table.member.length + MiB)
      expect(summary.bytesRead).toBeGreaterThanOrEqual(table.member.length)
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
