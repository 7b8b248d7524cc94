// A download that falls back to a replica because the primary storage fails (unreachable, not only
// without the backup) cannot read the primary's verification and pin either: its record is then made
// from the replica's manifest alone, and under a signing key it must still say what the key says of
// that copy ('valid'), not 'unchecked'. On a real PostgreSQL and real folders; the primary's failure is
// injected by a wrapper around its folder driver.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, PgkeepError, type StorageDriver } from '../../src/index'
import { readAll } from '../storage/helpers'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'fallback_record' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT i, 'room ' || i FROM generate_series(1, 50) i;`)
}, 120_000)
afterAll(() => source?.drop())

/** The driver, until `down` is set; then every read fails as an endpoint that does not answer would. */
function goesDown(storage: StorageDriver): StorageDriver & { down: boolean } {
  const unreachable = () => new PgkeepError('STORAGE_UNREACHABLE', 'the primary does not answer (test)')
  const wrapped = {
    ...storage,
    down: false,
    get: (key: string, range?: { start: number; end?: number }) => wrapped.down ? Promise.reject(unreachable()) : storage.get(key, range),
    stat: (key: string) => wrapped.down ? Promise.reject(unreachable()) : storage.stat(key),
    list: (prefix: string) => wrapped.down ? (async function* () { throw unreachable() })() : storage.list(prefix),
  }
  return wrapped
}

describe('a download read from a replica while the primary fails', () => {
  it('gives a record whose signature is checked with the signing key', async () => {
    const primary = goesDown(fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-fallback-primary-')) }))
    const options = {
      connection: source.url, storage: primary, rateLimit: false as const,
      replicas: [{ storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-fallback-replica-')) }), name: 'usb-disk' }],
      signing: { key: randomBytes(32).toString('hex') },
    }
    const record = await createBackupManager(options).create()
    expect([record.signature, record.copies]).toEqual(['valid', [expect.objectContaining({ storage: 'usb-disk', status: 'ok' })]])

    primary.down = true
    const download = await createBackupManager(options).openDownload(record.id)
    expect(download.copy).toBe('usb-disk')
    expect([download.record.id, download.record.signature, download.record.signed]).toEqual([record.id, 'valid', true])
    expect((await readAll(download.stream)).length).toBe(record.size)
  })
})
