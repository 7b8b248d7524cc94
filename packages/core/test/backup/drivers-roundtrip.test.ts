// A backup stored through each driver (memory, folder, S3), downloaded and restored with psql, equals its
// source; the manifest's per-table sha256 values match what the restored tables produce, and each table's
// gzip member, cut out by its offsets, holds just that table's COPY block. Two sources: four files of the
// fixture corpus (always), and pagila (skips with the reason when ../shared/fixtures/pagila is absent).
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { assertSameDatabase, createDatabase, pagilaFixture, restoreWithPsql, runPsql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { noPagila } from '@pgkeep/testkit/skip-reasons'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { to as copyTo } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, memoryStorage, s3Storage, type StorageDriver } from '../../src/index'

const server = inject('pgDefault')
const s3 = inject('s3')
const pagila = pagilaFixture()
const missingPagila = noPagila()
const sources: Partial<Record<'fixtures' | 'pagila', TestDatabase>> = {}

beforeAll(async () => {
  const fixtures = (sources.fixtures = await createDatabase(server.url, { prefix: 'drv_fx' }))
  await loadFixtures(fixtures.url, ['03-tables', '05-constraints', '13-large-objects', '14-names-and-data'], { major: server.major })
  if (!pagila) return
  const db = (sources.pagila = await createDatabase(server.url, { prefix: 'drv_pagila' }))
  await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
  await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
}, 180_000)
afterAll(() => Promise.all(Object.values(sources).map((db) => db.drop())))

const drivers: [string, () => Promise<StorageDriver>][] = [
  ['memory', async () => memoryStorage()],
  ['fs', async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-drv-')) })],
  ['s3', async () => s3Storage({ ...s3, useSSL: false, bucket: `pgkeep-drv-${randomBytes(4).toString('hex')}` })],
]

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks)
}

describe.each([
  ['four fixture files', 'fixtures', undefined],
  ['pagila', 'pagila', missingPagila],
] as const)('a backup of %s', (_title, dataset, missing) => {
  skipAllWhen(missing)
  describe.each(drivers)('through %s storage', (kind, makeStorage) => {
    it('restores equal to the source, with matching table checksums and members', async () => {
      const source = sources[dataset]!
      const storage = await makeStorage()
      const backups = createBackupManager({ connection: source.url, storage, namePrefix: 'kostman-backup' })
      const record = await backups.create({ createdBy: kind })
      const file = await readAll(await backups.download(record.id))
      expect(file.length).toBe(record.size)
      expect(createHash('sha256').update(file).digest('hex')).toBe(record.sha256)

      const copy = await createDatabase(server.url, { prefix: `drv_copy_${kind}` })
      try {
        await restoreWithPsql(copy.url, gunzipSync(file))
        await assertSameDatabase(source.url, copy.url)
        const manifest = await backups.manifest(record.id)
        expect(manifest.tables.length).toBeGreaterThan(5)
        for (const table of manifest.tables) {
          const restored = await withClient(copy.url, async (client) => {
            const hash = createHash('sha256')
            for await (const chunk of client.query(copyTo(`COPY "${table.schema.replaceAll('"', '""')}"."${table.name.replaceAll('"', '""')}" TO STDOUT`)) as AsyncIterable<Buffer>) hash.update(chunk)
            return hash.digest('hex')
          })
          expect(restored, `${table.schema}.${table.name}`).toBe(table.sha256)
          const member = gunzipSync(file.subarray(table.member.offset, table.member.offset + table.member.length)).toString('utf8')
          expect(member).toContain(`Type: TABLE DATA; Schema: ${table.schema};`)
          expect(member.match(/^COPY /gm)).toHaveLength(1)
          expect(member.endsWith('\\.\n\n\n')).toBe(true)
        }
      } finally {
        await copy.drop()
      }

      if (kind === 's3') {
        const { url, expiresAt } = await backups.downloadUrl(record.id, { expiresIn: 60 })
        expect(expiresAt.getTime()).toBeGreaterThan(Date.now())
        const response = await fetch(url)
        expect(response.status).toBe(200)
        expect(createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex')).toBe(record.sha256)
      }
      await backups.remove(record.id)
      expect(await backups.list()).toEqual([])
    })
  })
})
