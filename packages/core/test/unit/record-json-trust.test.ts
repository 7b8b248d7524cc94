// recordJson() without a manager (a caller of the exported function) decides `trusted` by the manager's
// own rule (manager/trust.ts), so it agrees with what restore, verify and download refuse.
import { describe, expect, it } from 'vitest'
import type { BackupRecord } from '../../src/backup/backup-record'
import { recordJson } from '../../src/http/routes'

const record = (signature: BackupRecord['signature'], signed: boolean) => ({
  id: '00000000-0000-4000-8000-000000000000', filename: 'b.sql.gz', size: 1, type: 'manual', storagePath: '2026/b.sql.gz', metadata: {},
  createdBy: null, createdAt: new Date(0), verified: null, pinned: false, copies: [], signed, signature,
}) as unknown as BackupRecord

describe('recordJson without a manager', () => {
  it('is trusted exactly where the trust rule (without require) uses the backup', () => {
    const trusted = (signature: BackupRecord['signature'], signed: boolean) => recordJson(record(signature, signed)).trusted
    expect(trusted('valid', true)).toBe(true)
    expect(trusted('unsigned', false)).toBe(true)
    expect(trusted('unchecked', true)).toBe(true)
    expect(trusted('tampered', false)).toBe(false)
    expect(trusted('unknown-key', false)).toBe(false)
    expect(trusted('no-member-checksums', false)).toBe(false)
  })
})
