// A huge backup id or actor never makes the audit trail large: every operation that takes an id refuses
// a malformed one (OPTIONS_INVALID, with a short message), and each stored audit event stays small, so
// auditLog() keeps working (it reads events of at most 1 MiB).
import { mkdtemp, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBackupManager, fsStorage, isPgkeepError } from '../../src/index'

const MB = 1024 * 1024

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

describe('audit trail bounds', () => {
  it('a 1 MB id and a 1 MB actor leave auditLog() working and every audit event under 4 kB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-audit-bounds-'))
    const backups = createBackupManager({ storage: fsStorage({ dir }) })
    const id = 'x'.repeat(MB)
    const actor = { actor: 'a'.repeat(MB) }
    const operations: [string, () => Promise<unknown>][] = [
      ['get', () => backups.get(id)],
      ['manifest', () => backups.manifest(id)],
      ['download', () => backups.download(id, actor)],
      ['openDownload', () => backups.openDownload(id, actor)],
      ['downloadUrl', () => backups.downloadUrl(id, actor)],
      ['remove', () => backups.remove(id, actor)],
      ['restore', () => backups.restore(id, actor)],
      ['verify', () => backups.verify(id, actor)],
      ['pin', () => backups.pin(id, actor)],
      ['unpin', () => backups.unpin(id, actor)],
      ['compare', () => backups.compare(id, id)],
    ]
    for (const [name, op] of operations) {
      const error = await op().then(() => null, (e: unknown) => e)
      expect(isPgkeepError(error) && error.code, name).toBe('OPTIONS_INVALID')
      expect((error as Error).message.length, name).toBeLessThan(300)
    }

    const events = await backups.auditLog()
    // downloadUrl, remove, restore, verify, pin, unpin audit the refusal (download's refusal is audited too)
    expect(events.length).toBeGreaterThanOrEqual(6)
    for (const event of events) {
      expect(event.outcome).toBe('refused')
      expect(event.actor).toBe(`${'a'.repeat(199)}…`)
      expect(event.target).toBe(`${'x'.repeat(63)}…`)
      expect(JSON.stringify(event.detail).length).toBeLessThan(1000)
    }
    const files = await filesUnder(join(dir, 'backups', 'audit'))
    expect(files.length).toBe(events.length)
    for (const file of files) expect((await stat(file)).size).toBeLessThan(4096)
  })
})
