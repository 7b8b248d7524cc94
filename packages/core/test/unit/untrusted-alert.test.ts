// The backups-untrusted alert stays small whatever number of backups someone planted: it counts them
// all and names the first UNTRUSTED_LISTED (newest first) with their signature state, then "and N more";
// one found in the primary and in replicas is one backup, named with every place.
import { describe, expect, it } from 'vitest'
import type { ManagerContext } from '../../src/manager/context'
import { UNTRUSTED_LISTED, untrustedAlert, type UntrustedBackup } from '../../src/manager/untrusted-backups'

const AT = new Date('2026-03-31T12:00:00Z')
const ctx = { now: () => AT } as unknown as ManagerContext
const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
const planted = (n: number): UntrustedBackup[] =>
  Array.from({ length: n }, (_, i) => ({ id: id(i), signature: i % 2 === 0 ? 'unsigned' : 'tampered', reason: 'x' }))

describe('untrustedAlert', () => {
  it('is null when nothing was found', () => {
    expect(untrustedAlert(ctx, [], 'cleanup')).toBeNull()
  })

  it('names every backup up to the bound', () => {
    const alert = untrustedAlert(ctx, planted(UNTRUSTED_LISTED), 'check')!
    expect(alert.detail).toEqual({ count: UNTRUSTED_LISTED, backups: planted(UNTRUSTED_LISTED).map(({ id, signature }) => ({ id, signature, copies: ['primary'] })), more: 0, by: 'check' })
    expect(alert.message).not.toContain('more')
  })

  it('names the first ones and counts the rest past the bound', () => {
    const alert = untrustedAlert(ctx, planted(1000), 'cleanup')!
    expect(alert).toMatchObject({ kind: 'backups-untrusted', at: AT, detail: { count: 1000, more: 1000 - UNTRUSTED_LISTED, by: 'cleanup', dryRun: false } })
    expect((alert.detail!.backups as unknown[]).length).toBe(UNTRUSTED_LISTED)
    expect(alert.message).toContain(`cleanup found 1000 backups whose signature does not check out under the signing key: ${id(0)} (unsigned), ${id(1)} (tampered), `)
    expect(alert.message).toContain(`${id(UNTRUSTED_LISTED - 1)} (tampered) and ${1000 - UNTRUSTED_LISTED} more.`)
    expect(alert.message).not.toContain(id(UNTRUSTED_LISTED))
    expect(alert.message.length).toBeLessThan(1000)
  })

  it('names a backup found in the primary and in replicas once, with every place, and counts backups, not copies', () => {
    const found: UntrustedBackup[] = [
      { id: id(1), signature: 'unsigned', reason: 'x' },
      { id: id(1), signature: 'unsigned', reason: 'x', storage: 'dr' },
      { id: id(2), signature: 'tampered', reason: 'x', storage: 'dr' },
      { id: id(1), signature: 'unsigned', reason: 'x', storage: 'usb-disk' },
      { id: id(2), signature: 'unsigned', reason: 'x', storage: 'usb-disk' },
    ]
    const alert = untrustedAlert(ctx, found, 'check')!
    expect(alert.detail).toEqual({
      count: 3, more: 0, by: 'check',
      backups: [
        { id: id(1), signature: 'unsigned', copies: ['primary', 'dr', 'usb-disk'] },
        { id: id(2), signature: 'tampered', copies: ['dr'] },
        { id: id(2), signature: 'unsigned', copies: ['usb-disk'] },
      ],
    })
    expect(alert.message).toContain(`the storage and its replicas hold 3 backups whose signature does not check out under the signing key: ${id(1)} (unsigned, in the primary, replica dr and replica usb-disk), ${id(2)} (tampered, in replica dr), ${id(2)} (unsigned, in replica usb-disk).`)
    // past the bound, backups are counted (a copy in a replica is no more)
    const many = planted(UNTRUSTED_LISTED + 2).flatMap((u) => [u, { ...u, storage: 'dr' }])
    expect(untrustedAlert(ctx, many, 'cleanup')!.detail).toMatchObject({ count: UNTRUSTED_LISTED + 2, more: 2 })
  })
})
