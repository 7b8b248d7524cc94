// cleanup() sweeps what an interrupted backup or removal left without its manifest, once it is older than
// an hour, in a real folder: a dump whose manifest never came, a verify report and a pin of a removed
// backup. Backups with manifests, their own verify reports and pins, the audit trail and foreign files stay.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '../../src/index'
import { ORPHAN_GRACE_MS } from '../../src/manager/orphans'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'orphans_src' })
  await runSql(source.url, 'CREATE TABLE items (id integer PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);')
}, 120_000)
afterAll(() => source?.drop())

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort()
}

describe('cleanup() and orphans', () => {
  it('removes manifest-less backup objects older than the grace period, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-orphans-'))
    const clock = { offset: 0 }
    const backups = createBackupManager({ connection: source.url, storage: fsStorage({ dir }), now: () => new Date(Date.now() + clock.offset) })
    const kept = await backups.create()
    // the kept backup's own verify report and pin are not orphans, however old
    expect((await backups.verify(kept.id)).ok).toBe(true)
    await backups.pin(kept.id)
    const keptOwn = ['verify.json', 'pin.json'].map((ext) => kept.storagePath.replace(/\.sql\.gz$/, `.${ext}`))
    const lost = await backups.create()
    // lost's manifest never made it (the process was killed after the dump was stored)
    await rm(join(dir, lost.storagePath.replace(/\.sql\.gz$/, '.manifest.json')))
    // a removal that stopped after the manifest: its verify report and pin are left
    const year = kept.storagePath.split('/')[1]
    await writeFile(join(dir, 'backups', year!, 'backup-2026-01-01-1767225600000.verify.json'), '{}')
    await writeFile(join(dir, 'backups', year!, 'backup-2026-01-01-1767225600000.pin.json'), '{}')
    await writeFile(join(dir, 'backups', 'README.txt'), 'not pgkeep\'s')
    const before = await files(dir)
    const orphanKeys = [lost.storagePath, `backups/${year}/backup-2026-01-01-1767225600000.pin.json`, `backups/${year}/backup-2026-01-01-1767225600000.verify.json`]
    expect(before).toEqual(expect.arrayContaining([...orphanKeys, kept.storagePath, 'backups/README.txt']))
    expect((await backups.list()).map((r) => r.id)).toEqual([kept.id])

    // young: they may belong to a backup being written by a process the lock does not see
    expect((await backups.cleanup({ dryRun: true })).orphans).toEqual([])
    expect((await backups.cleanup()).orphans).toEqual([])

    clock.offset = ORPHAN_GRACE_MS + 60_000
    const dry = await backups.cleanup({ dryRun: true })
    expect([...dry.orphans].sort()).toEqual(orphanKeys.sort())
    expect(await files(dir)).toEqual(expect.arrayContaining(before))

    const done = await backups.cleanup()
    expect([...done.orphans].sort()).toEqual(orphanKeys.sort())
    expect(done.deleted).toEqual([])
    const after = await files(dir)
    for (const key of orphanKeys) expect(after).not.toContain(key)
    expect(after).toEqual(expect.arrayContaining([kept.storagePath, kept.storagePath.replace(/\.sql\.gz$/, '.manifest.json'), ...keptOwn, 'backups/README.txt']))
    const [record] = await backups.list()
    expect(record).toMatchObject({ id: kept.id, pinned: true, verified: { ok: true } })
    expect(after.filter((f) => f.startsWith('backups/audit/')).length).toBeGreaterThan(0)
    const [event] = await backups.auditLog({ action: 'cleanup', limit: 1 })
    expect(event?.detail).toMatchObject({ orphans: expect.arrayContaining(orphanKeys) })
  })
})
