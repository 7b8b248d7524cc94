// One object under a manifest name that is not a valid pgkeep manifest (foreign JSON, damaged bytes, a
// future formatVersion), in a real folder and in memory: list(), cleanup() (dry run and real) and
// metrics() carry on without it, report it (a `manifest-invalid` alert once per key, the
// invalidManifests metric), and cleanup never deletes it or the dump beside it.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, memoryStorage, type ManagerEvents, type StorageDriver } from '../../src/index'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'badmf_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

const put = (storage: StorageDriver, key: string, body: string | Buffer) => storage.put(key, Readable.from([Buffer.from(body)]), { contentType: 'application/json' })

async function keysOf(storage: StorageDriver): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list('backups/')) if (!o.key.startsWith('backups/audit/')) keys.push(o.key)
  return keys.sort()
}

const VARIANTS: [string, () => Promise<StorageDriver>][] = [
  ['folder storage', async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-badmf-')) })],
  ['memory storage', async () => memoryStorage()],
]

describe.each(VARIANTS)('invalid manifests in %s', (_label, make) => {
  it('are skipped and reported by list, cleanup and metrics, and never deleted', async () => {
    const storage = await make()
    let clock = new Date('2026-01-01T12:00:00Z')
    const backups = createBackupManager({ connection: source.url, storage, now: () => clock, rateLimit: false })
    const good = await backups.create()
    const manifest = await backups.manifest(good.id)

    const foreign = 'backups/2025/backup-2025-06-01-1748736000000.manifest.json'
    const damaged = 'backups/2025/backup-2025-06-02-1748822400000.manifest.json'
    const future = 'backups/2025/backup-2025-06-03-1748908800000.manifest.json'
    const futureDump = 'backups/2025/backup-2025-06-03-1748908800000.sql.gz'
    await put(storage, foreign, JSON.stringify({ hello: 'world' }))
    await put(storage, damaged, Buffer.from([0x7b, 0x22, 0xff, 0x00, 0x13]))
    await put(storage, future, JSON.stringify({ ...manifest, formatVersion: 2, id: '7d1e3f5a-1b2c-4d3e-8f4a-5b6c7d8e9f00', storagePath: futureDump }))
    await put(storage, futureDump, 'not really gzip')
    const before = await keysOf(storage)

    const alerts: ManagerEvents['alert'][] = []
    backups.on('alert', (a) => void alerts.push(a))

    expect((await backups.list()).map((r) => r.id)).toEqual([good.id])
    expect((await backups.list()).map((r) => r.id)).toEqual([good.id])
    expect(await backups.get(good.id)).toMatchObject({ id: good.id })

    // once per key per manager, naming the key and the reason
    const invalid = alerts.filter((a) => a.kind === 'manifest-invalid')
    expect(invalid.map((a) => a.detail?.key).sort()).toEqual([foreign, damaged, future].sort())
    for (const a of invalid) expect(a.message).toBe(`skipped ${String(a.detail?.key)}: ${String(a.detail?.reason)}`)
    expect(invalid.find((a) => a.detail?.key === foreign)!.message).toContain('not a pgkeep backup manifest')
    expect(invalid.find((a) => a.detail?.key === damaged)!.message).toContain('not valid JSON')
    expect(invalid.find((a) => a.detail?.key === future)!.message).toContain('formatVersion')

    const m = await backups.metrics()
    expect(m.invalidManifests).toBe(3)
    expect(m.history!.backups).toBe(1)
    expect(await backups.metricsText()).toContain('\npgkeep_invalid_manifests 3\n')

    // a year later everything is old; the good backup stays as the newest, the invalid ones are not the policy's to judge
    clock = new Date('2027-01-01T12:00:00Z')
    const dry = await backups.cleanup({ dryRun: true })
    expect(dry).toMatchObject({ busy: false, failed: [], orphans: [] })
    expect(dry.kept.map((k) => k.id)).toEqual([good.id])
    const real = await backups.cleanup()
    expect(real).toMatchObject({ deleted: [], busy: false, failed: [], orphans: [] })
    expect(await keysOf(storage)).toEqual(before)
    expect(alerts.filter((a) => a.kind === 'manifest-invalid')).toHaveLength(3)

    // once one is removed, the count follows
    await storage.remove(foreign)
    expect((await backups.metrics()).invalidManifests).toBe(2)
  })
})
