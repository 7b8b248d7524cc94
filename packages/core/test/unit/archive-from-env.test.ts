// The change archiver's settings from PGKEEP_ARCHIVE_* (managerOptionsFromEnv), and the `archive` option's
// checks: what the command line and the adapters hand to manager.archive().
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { createBackupManager, fsStorage, MANAGER_ENV, managerOptionsFromEnv } from '../../src/index'
import { failure } from '../failure'

describe('PGKEEP_ARCHIVE_* variables', () => {
  it('become the archive option, and are listed in MANAGER_ENV', () => {
    const o = managerOptionsFromEnv({ PGKEEP_ARCHIVE_SLOT: 'shop_pitr', PGKEEP_ARCHIVE_PUBLICATION: 'Orders Pub', PGKEEP_ARCHIVE_SEGMENT_SECONDS: '2.5', PGKEEP_ARCHIVE_SEGMENT_BYTES: '65536' }, { cwd: tmpdir() })
    expect(o.archive).toEqual({ slot: 'shop_pitr', publication: 'Orders Pub', segmentSeconds: 2.5, segmentBytes: 65536 })
    expect(managerOptionsFromEnv({ PGKEEP_ARCHIVE_SLOT: '' }, { cwd: tmpdir() })).not.toHaveProperty('archive')
    for (const name of ['PGKEEP_ARCHIVE_SLOT', 'PGKEEP_ARCHIVE_PUBLICATION', 'PGKEEP_ARCHIVE_SEGMENT_SECONDS', 'PGKEEP_ARCHIVE_SEGMENT_BYTES', 'PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS']) expect(MANAGER_ENV).toHaveProperty(name)
    expect(managerOptionsFromEnv({ PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS: '1' }, { cwd: tmpdir() }).archive).toEqual({ allowPlainSegments: true })
    expect(managerOptionsFromEnv({ PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS: 'false' }, { cwd: tmpdir() })).not.toHaveProperty('archive')
  })

  it('refuse bad values naming the variable', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PGKEEP_ARCHIVE_SLOT: 'Shop-PITR' }, /^PGKEEP_ARCHIVE_SLOT must be 1 to 61 lower-case letters/],
      [{ PGKEEP_ARCHIVE_SLOT: 'x'.repeat(62) }, /^PGKEEP_ARCHIVE_SLOT must be/],
      [{ PGKEEP_ARCHIVE_PUBLICATION: 'p'.repeat(64) }, /^PGKEEP_ARCHIVE_PUBLICATION must be at most 63 bytes/],
      [{ PGKEEP_ARCHIVE_SEGMENT_SECONDS: '0' }, /^PGKEEP_ARCHIVE_SEGMENT_SECONDS must be a number of seconds/],
      [{ PGKEEP_ARCHIVE_SEGMENT_SECONDS: 'soon' }, /^PGKEEP_ARCHIVE_SEGMENT_SECONDS/],
      [{ PGKEEP_ARCHIVE_SEGMENT_BYTES: '100' }, /^PGKEEP_ARCHIVE_SEGMENT_BYTES must be a whole number of bytes from 1024/],
      [{ PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS: 'yes please' }, /^PGKEEP_ARCHIVE_ALLOW_PLAIN_SEGMENTS must be 1, true, 0 or false/],
    ]
    for (const [env, message] of cases) {
      const error = await failure(() => managerOptionsFromEnv(env, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message).toMatch(message)
    }
  })
})

describe('the archive option', () => {
  it('is checked when the manager is made, and archive() checks what it is given at once', () => {
    const storage = fsStorage({ dir: tmpdir() })
    expect(() => createBackupManager({ storage, archive: { segmentSeconds: -1 } })).toThrow(/archive\.segmentSeconds/)
    expect(() => createBackupManager({ storage, archive: { unknown: 1 } as never })).toThrow(/archive/)
    const manager = createBackupManager({ storage, archive: { slot: 'fine' } })
    expect(() => manager.archive({ segmentBytes: 10 })).toThrow(/invalid archive options: segmentBytes/)
  })
})

describe('archive() of a manager that encrypts its backups', () => {
  it('starts (its segments are encrypted), and allowPlainSegments is still accepted', async () => {
    const storage = fsStorage({ dir: tmpdir() })
    for (const archive of [undefined, { allowPlainSegments: true }]) {
      // with no server to reach here, archive() fails later through done, not at once
      const manager = createBackupManager({ storage, encryption: { passphrase: 'a long enough passphrase' }, connectionString: 'postgresql://nobody@127.0.0.1:1/none', ...(archive ? { archive } : {}) })
      const handle = manager.archive()
      expect(handle.status().running).toBe(true)
      await handle.stop()
      await handle.done.catch(() => {})
    }
  })
})
