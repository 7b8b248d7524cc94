// A chain of the change archive (a base backup and its segments) is retained and removed as one piece,
// in a real folder and on a real S3 endpoint: cleanup keeps an old base whose chain reaches into the
// kept window and removes one whose chain does not, segments with it; remove() takes the chain first,
// newest segment first, so a crash leaves the base listed with a shorter chain that still starts at it;
// segment folders whose base is gone, and segment data without its manifest, are swept as orphans.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type BackupRecord } from '../../src/index'
import { chainPrefixOf } from '../../src/logical/chain'
import { writeSegment, type Relation } from '../../src/logical/change-segment'
import { dateToPgTime } from '../../src/logical/lsn'
import { listSegments } from '../../src/logical/replay-archive'
import { ORPHAN_GRACE_MS } from '../../src/manager/orphans'
import type { StorageDriver } from '../../src/storage/driver'

const server = inject('pgDefault')
const s3 = inject('s3')
let source: TestDatabase
const DAY = 86_400_000

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'chains_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

const drivers: [string, () => Promise<StorageDriver>][] = [
  ['folder', async () => fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-chains-')) })],
  ['S3', async () => s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, pathStyle: true, bucket: `chains-${process.pid}-${randomBytes(3).toString('hex')}` })],
]

const items: Relation = { tag: 'relation', oid: 16384, schema: 'public', name: 'items', replicaIdentity: 'd', columns: [{ name: 'id', typeOid: 23, typeMod: -1, key: true }] }
let lsn = 0x1000000n

/** Makes `record` a chain's base (its manifest gets `changes`) and stores a segment committed at each of `times`. */
async function makeChain(storage: StorageDriver, record: BackupRecord, times: Date[]): Promise<string[]> {
  const manifestKey = record.storagePath.replace(/\.sql\.gz$/, '.manifest.json')
  const chunks: Buffer[] = []
  for await (const chunk of await storage.get(manifestKey)) chunks.push(Buffer.from(chunk as Uint8Array))
  const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
  manifest.changes = { slot: 'pgkeep_archive', publication: 'pgkeep_all', startLsn: '0/1000000' }
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest))]))
  const keys: string[] = []
  for (const [i, at] of times.entries()) {
    const commitLsn = (lsn += 0x100n)
    const m = await writeSegment(storage, chainPrefixOf(record.storagePath), 'pgkeep_archive', [items], [
      { xid: 1000 + i, commitLsn, endLsn: commitLsn + 0x30n, commitTime: dateToPgTime(at), changes: [{ tag: 'insert', relation: items.oid, row: [{ kind: 'text', value: String(100 + i) }] }] },
    ])
    keys.push(m.endLsn)
  }
  return keys
}

async function keysUnder(storage: StorageDriver, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list(prefix)) keys.push(o.key)
  return keys.sort()
}

describe.each(drivers)('chains in retention and removal (%s storage)', (_, open) => {
  it('cleanup keeps the chains a kept time needs and removes the others whole; the newest chain is always kept', async () => {
    const storage = await open()
    const clock = { at: Date.now() }
    const maker = createBackupManager({ connection: source.url, storage, now: () => new Date(clock.at) })
    const ago = (days: number) => new Date(Date.now() - days * DAY)
    const at = async (days: number) => { clock.at = ago(days).getTime(); return maker.create() }
    const a = await at(40)
    const b = await at(35)
    const plain = await at(5)
    const c = await at(3)
    const newest = await at(1 / 24)
    await makeChain(storage, a, [ago(39), ago(36)]) // ends before the 30-day window
    await makeChain(storage, b, [ago(34), ago(25)]) // reaches into it: restoring to 29 days ago needs b
    await makeChain(storage, c, [ago(2), ago(1 / 48)])

    const byLast = createBackupManager({ connection: source.url, storage, retention: { keepLast: 1 } })
    const dry = await byLast.cleanup({ dryRun: true })
    expect(dry.kept).toEqual([{ id: newest.id, reasons: ['newest', 'keep-last'] }, { id: c.id, reasons: ['chain'] }])

    const backups = createBackupManager({ connection: source.url, storage, retention: { maxAgeDays: 30 } })
    const result = await backups.cleanup()
    expect(result.deleted.map((r) => r.id)).toEqual([a.id])
    expect(result.kept).toEqual([
      { id: newest.id, reasons: ['newest', 'max-age'] },
      { id: c.id, reasons: ['max-age', 'chain'] },
      { id: plain.id, reasons: ['max-age'] },
      { id: b.id, reasons: ['chain'] },
    ])
    expect(result.failed).toEqual([])
    expect(await keysUnder(storage, chainPrefixOf(a.storagePath))).toEqual([])
    expect(await keysUnder(storage, a.storagePath.replace(/\.sql\.gz$/, ''))).toEqual([])
    expect((await listSegments(storage, chainPrefixOf(b.storagePath))).length).toBe(2)
    expect((await listSegments(storage, chainPrefixOf(c.storagePath))).length).toBe(2)
  }, 120_000)

  it('remove() takes the chain first, newest segment first; a crash midway leaves the base listed with a chain that still starts at it', async () => {
    const storage = await open()
    const maker = createBackupManager({ connection: source.url, storage })
    const base = await maker.create()
    const ends = await makeChain(storage, base, [new Date(Date.now() - 3000), new Date(Date.now() - 2000), new Date(Date.now() - 1000)])
    const before = await listSegments(storage, chainPrefixOf(base.storagePath))
    expect(before.map((s) => s.manifest.endLsn)).toEqual(ends)
    const removed: string[] = []
    let failAt = 3
    const recording: StorageDriver = {
      ...storage,
      remove: async (key) => {
        if (--failAt === 0) throw new Error('crash while removing')
        removed.push(key)
        return storage.remove(key)
      },
    }
    const crashing = createBackupManager({ connection: source.url, storage: recording })
    await expect(crashing.remove(base.id)).rejects.toThrow('crash while removing')
    // the newest segment went (manifest, then data); the base and the two older segments are intact
    const newestData = before.at(-1)!.key
    expect(removed).toEqual([newestData.replace(/\.changes\.gz$/, '.segment.json'), newestData])
    expect((await createBackupManager({ connection: source.url, storage }).list()).map((r) => r.id)).toContain(base.id)
    const left = await listSegments(storage, chainPrefixOf(base.storagePath))
    expect(left.map((s) => s.manifest.endLsn)).toEqual(ends.slice(0, 2))

    // run again: everything goes, the chain before the base's manifest
    removed.length = 0
    failAt = Number.POSITIVE_INFINITY
    await crashing.remove(base.id)
    const manifestAt = removed.indexOf(base.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const chainKeys = removed.filter((k) => k.startsWith(chainPrefixOf(base.storagePath)))
    expect(chainKeys.length).toBe(4)
    expect(manifestAt).toBeGreaterThan(removed.indexOf(chainKeys.at(-1)!))
    expect(chainKeys.map((k) => k.replace(/^.*\/[0-9A-F]{16}-[0-9A-F]{16}/, ''))).toEqual(['.segment.json', '.changes.gz', '.segment.json', '.changes.gz'])
    expect(chainKeys[0]! > chainKeys[2]!).toBe(true) // newest first
    expect(await keysUnder(storage, base.storagePath.replace(/\.sql\.gz$/, ''))).toEqual([])
    expect(await createBackupManager({ connection: source.url, storage }).list()).toEqual([])
  }, 120_000)

  it('cleanup sweeps segment folders whose base is gone, and segment data without its manifest, once older than the orphan age', async () => {
    const storage = await open()
    const clock = { offset: 0 }
    const backups = createBackupManager({ connection: source.url, storage, now: () => new Date(Date.now() + clock.offset) })
    const gone = await backups.create()
    const live = await backups.create()
    await makeChain(storage, gone, [new Date(Date.now() - 2000), new Date(Date.now() - 1000)])
    await makeChain(storage, live, [new Date(Date.now() - 500)])
    // a base removed by something that did not know its chain, and an archiver killed between a segment's data and its manifest
    await storage.remove(gone.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    await storage.remove(gone.storagePath)
    const stray = `${chainPrefixOf(live.storagePath)}00000000FFFF0000-00000000FFFF0030.changes.gz`
    await storage.put(stray, Readable.from([Buffer.from('half a segment')]))
    const goneChain = await keysUnder(storage, chainPrefixOf(gone.storagePath))
    expect(goneChain.length).toBe(4)

    expect((await backups.cleanup()).orphans).toEqual([]) // young: an archiver may be writing them
    clock.offset = ORPHAN_GRACE_MS + 60_000
    const swept = await backups.cleanup()
    expect([...swept.orphans].sort()).toEqual([...goneChain, stray].sort())
    expect(await keysUnder(storage, chainPrefixOf(gone.storagePath))).toEqual([])
    expect((await listSegments(storage, chainPrefixOf(live.storagePath))).length).toBe(1)
    expect(await keysUnder(storage, chainPrefixOf(live.storagePath))).not.toContain(stray)
    const [event] = await backups.auditLog({ action: 'cleanup', limit: 1 })
    expect(event?.detail).toMatchObject({ orphans: expect.arrayContaining([stray, ...goneChain]) })
  }, 120_000)
})
