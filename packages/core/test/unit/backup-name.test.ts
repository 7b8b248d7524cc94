// Backup names: a new backup's key carries its date, epoch ms and the first 8 hex digits of its id;
// the time is read back from manifest keys of that shape and of the shape before the id tag.
import { describe, expect, it } from 'vitest'
import { backupKeys, manifestKeyOf, timeOfManifestKey } from '../../src/backup/backup-name'

const AT = new Date('2026-11-26T02:00:00.123Z')

describe('backup names', () => {
  it('puts the id tag after the epoch ms; two ids at one instant give two keys', () => {
    const a = backupKeys('backups/', 'kostman-backup', AT, '0f1e2d3c-4b5a-4697-8877-665544332211')
    expect(a).toEqual({
      filename: 'kostman-backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz',
      key: 'backups/2026/kostman-backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz',
      manifestKey: 'backups/2026/kostman-backup-2026-11-26-1795658400123-0f1e2d3c.manifest.json',
    })
    const b = backupKeys('backups/', 'kostman-backup', AT, 'A0B1C2D3-0000-4000-8000-000000000000', true)
    expect(b.filename).toBe('kostman-backup-2026-11-26-1795658400123-a0b1c2d3.sql.gz.age')
    expect(b.manifestKey).toBe('backups/2026/kostman-backup-2026-11-26-1795658400123-a0b1c2d3.manifest.json')
  })

  it.each([
    ['with the id tag', 'backups/2026/kostman-backup-2026-11-26-1795658400123-0f1e2d3c.manifest.json', 1795658400123],
    ['an all-digit id tag', 'backups/2026/backup-2026-11-26-1795658400123-12345678.manifest.json', 1795658400123],
    ['before the id tag', 'backups/2026/kostman-backup-2026-11-26-1795658400123.manifest.json', 1795658400123],
    ['a prefix that looks like a name', 'x/backup-2026-01-01-1767225600000-2026-11-26-1795658400123.manifest.json', 1795658400123],
    ['not a manifest', 'backups/2026/backup-2026-11-26-1795658400123-0f1e2d3c.sql.gz', null],
    ['a tag that is not 8 hex digits', 'backups/2026/backup-2026-11-26-1795658400123-0f1e2d3.manifest.json', null],
    ['an upper-case tag', 'backups/2026/backup-2026-11-26-1795658400123-0F1E2D3C.manifest.json', null],
    ['no epoch', 'backups/2026/backup-2026-11-26.manifest.json', null],
  ])('reads the time of a manifest key: %s', (_label, key, time) => {
    expect(timeOfManifestKey(key)).toBe(time)
  })

  it('names the manifest of an old-shape dump beside it', () => {
    expect(manifestKeyOf('backups/2026/backup-2026-11-26-1795658400123.sql.gz.age')).toBe('backups/2026/backup-2026-11-26-1795658400123.manifest.json')
  })
})
