// The in-process half of the backup lock, all the guard cleanup has without a database: backups share it,
// cleanup only tries for it exclusively, and a backup that starts during a cleanup waits for it to end.
import { describe, expect, it } from 'vitest'
import type { ManagerContext } from '../../src/manager/context'
import { hasDatabase, withLocalLock } from '../../src/manager/locks'
import { memoryStorage } from '../../src/storage/memory-storage'

const contextOn = (storage: object, extra: Partial<ManagerContext> = {}) =>
  ({ storage, options: { keyPrefix: 'backups/' }, connection: undefined, env: {}, ...extra }) as unknown as ManagerContext

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('withLocalLock', () => {
  it('refuses exclusive while shared holders run, on the same storage object only', async () => {
    const storage = memoryStorage()
    const ctx = contextOn(storage)
    const backup = deferred()
    const running = withLocalLock(ctx, 'backup', 'shared', () => backup.promise)
    expect(await withLocalLock(ctx, 'backup', 'exclusive', async () => 'cleaned')).toEqual({ acquired: false })
    // a second manager on the same storage object sees it too; another storage object does not
    expect(await withLocalLock(contextOn(storage), 'backup', 'exclusive', async () => 'cleaned')).toEqual({ acquired: false })
    expect(await withLocalLock(contextOn(memoryStorage()), 'backup', 'exclusive', async () => 'cleaned')).toEqual({ acquired: true, value: 'cleaned' })
    // another lock name is independent
    expect(await withLocalLock(ctx, 'schedule', 'exclusive', async () => 1)).toEqual({ acquired: true, value: 1 })
    backup.resolve()
    await running
    expect(await withLocalLock(ctx, 'backup', 'exclusive', async () => 'cleaned')).toEqual({ acquired: true, value: 'cleaned' })
  })

  it('makes a backup wait for a running cleanup, and releases on failure', async () => {
    const ctx = contextOn(memoryStorage())
    const order: string[] = []
    const cleanup = deferred()
    const cleaning = withLocalLock(ctx, 'backup', 'exclusive', async () => {
      order.push('cleanup start')
      await cleanup.promise
      order.push('cleanup end')
    })
    const backingUp = withLocalLock(ctx, 'backup', 'shared', async () => void order.push('backup'))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(order).toEqual(['cleanup start'])
    cleanup.resolve()
    await Promise.all([cleaning, backingUp])
    expect(order).toEqual(['cleanup start', 'cleanup end', 'backup'])

    await expect(withLocalLock(ctx, 'backup', 'shared', async () => { throw new Error('dump failed') })).rejects.toThrow('dump failed')
    expect(await withLocalLock(ctx, 'backup', 'exclusive', async () => 'free')).toEqual({ acquired: true, value: 'free' })
  })

  it.each([
    ['no connection, no PG variables', undefined, {}, false],
    ['a connection string', 'postgresql:///kost', {}, true],
    ['PGHOST', undefined, { PGHOST: '/var/run/postgresql' }, true],
    ['PGDATABASE', undefined, { PGDATABASE: 'kost' }, true],
    ['an empty PGHOST', undefined, { PGHOST: '' }, false],
  ] as const)('hasDatabase: %s', (_label, connection, env, expected) => {
    expect(hasDatabase(contextOn({}, { connection, env } as Partial<ManagerContext>))).toBe(expected)
  })
})
