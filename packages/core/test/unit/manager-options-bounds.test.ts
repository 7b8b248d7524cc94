// Options that must be refused at once: a key prefix that climbs or points at itself, auditLog() with a
// negative limit or an unknown action, an actor (createdBy) longer than 200 characters.
import { describe, expect, it } from 'vitest'
import { createBackupManager, isPgkeepError, memoryStorage } from '../../src/index'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

describe('manager options bounds', () => {
  it.each(['../', 'a/../', './', '/x', 'a/./b/', '..'])('refuses keyPrefix %j at createBackupManager', (keyPrefix) => {
    const error = thrown(() => createBackupManager({ storage: memoryStorage(), keyPrefix }))
    expect(isPgkeepError(error) && error.code).toBe('OPTIONS_INVALID')
    expect((error as Error).message).toContain('keyPrefix')
  })

  it.each(['', 'backups/', 'a/b.c/', 'tenant-1/backups/', '.hidden/'])('accepts keyPrefix %j', (keyPrefix) => {
    expect(() => createBackupManager({ storage: memoryStorage(), keyPrefix })).not.toThrow()
  })

  it.each([
    ['limit -1', { limit: -1 }, 'limit'],
    ['limit 0', { limit: 0 }, 'limit'],
    ['limit 1.5', { limit: 1.5 }, 'limit'],
    ['an unknown action', { action: 'bogus' }, 'action'],
    ['an invalid since', { since: new Date('nope') }, 'since'],
    ['an unknown option', { actions: 'create' }, 'actions'],
  ] as const)('auditLog refuses %s', async (_label, options, field) => {
    const backups = createBackupManager({ storage: memoryStorage() })
    const error = await backups.auditLog(options as never).then(() => null, (e: unknown) => e)
    expect(isPgkeepError(error) && error.code).toBe('OPTIONS_INVALID')
    expect((error as Error).message).toContain(field)
  })

  it('auditLog accepts valid filters', async () => {
    const backups = createBackupManager({ storage: memoryStorage() })
    expect(await backups.auditLog({ limit: 5, action: 'create', since: new Date(0) })).toEqual([])
  })

  it.each(['actor', 'createdBy'] as const)('refuses %s longer than 200 characters, accepts 200', (field) => {
    const backups = createBackupManager({ storage: memoryStorage(), rateLimit: false })
    const error = thrown(() => backups.start({ [field]: 'u'.repeat(201) }))
    expect(isPgkeepError(error) && error.code).toBe('OPTIONS_INVALID')
    expect((error as Error).message).toContain(field)
    // 200 characters pass validation (the backup itself then fails for want of a database)
    const handle = backups.start({ [field]: 'u'.repeat(200) })
    return handle.done.then(() => undefined, () => undefined)
  })
})
