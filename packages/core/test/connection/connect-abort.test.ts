// Giving up a connection attempt: a port where something accepts the connection but never answers (a
// wrong port, a stalled proxy) holds node-postgres's connect() until connect_timeout, which is unset by
// default, as libpq's. A caller's AbortSignal (the CLI's Ctrl-C or SIGTERM, a request the user cancelled)
// must end the attempt at once, close the socket, and fail with ABORTED, through every entry point that
// connects on the caller's behalf.
import { getEventListeners } from 'node:events'
import { Writable } from 'node:stream'
import { startSilentServer, type SilentServer } from '@pgkeep/testkit/silent-server'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { isPgkeepError, type PgkeepError } from '../../src/errors'
import { connect, resolveConnection } from '../../src/connection/index'
import { createBackupManager, dump, memoryStorage, restore } from '../../src/index'

const server = inject('pgDefault')
const PASSWORD = 'abort-canary-Pw-41c7'

let silent: SilentServer | undefined
afterEach(async () => {
  await silent?.close()
  silent = undefined
})

async function silentUrl(query = ''): Promise<string> {
  silent = await startSilentServer()
  return `postgresql://postgres:${PASSWORD}@127.0.0.1:${silent.port}/postgres${query}`
}

/** Aborts once the silent server holds `count` connections; the reason is an Error, as the CLI's is. */
function abortOnceAccepted(count = 1): { signal: AbortSignal; reason: Error } {
  const controller = new AbortController()
  const reason = new Error('stop: the user cancelled')
  void silent!.accepted(count).then(() => controller.abort(reason))
  return { signal: controller.signal, reason }
}

async function rejection(promise: Promise<unknown>): Promise<PgkeepError> {
  const error = await promise.then(() => { throw new Error('it resolved') }, (e: unknown) => e)
  expect(isPgkeepError(error), String(error)).toBe(true)
  return error as PgkeepError
}

describe('connect() with a signal', () => {
  it.each(['', '?sslmode=disable', '?sslmode=require'])('gives up a silent server when the signal aborts (%s): ABORTED, the socket closed, no other attempt', async (query) => {
    const url = await silentUrl(query)
    const { signal, reason } = abortOnceAccepted()
    const error = await rejection(connect(resolveConnection(url, {}), { signal }))
    expect(error.code).toBe('ABORTED')
    expect(error.message).toBe(`the connection to postgres@127.0.0.1:${silent!.port}/postgres was cancelled`)
    expect(error.message).not.toContain(PASSWORD)
    expect(error.cause).toBe(reason)
    await vi.waitFor(() => expect(silent!.closed).toBe(1))
    // sslmode=prefer would retry without SSL after a failed SSL attempt: not after a cancelled one
    expect(silent!.connections).toBe(1)
  })

  it('an aborted signal fails before connecting', async () => {
    const url = await silentUrl()
    const controller = new AbortController()
    controller.abort(new Error('already'))
    const error = await rejection(connect(resolveConnection(url, {}), { signal: controller.signal }))
    expect(error.code).toBe('ABORTED')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(silent!.connections).toBe(0)
  })

  it('a signal that does not abort changes nothing, and its listener is gone once connected', async () => {
    const controller = new AbortController()
    const client = await connect(resolveConnection(server.url, {}), { signal: controller.signal })
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      // aborting later does not touch the connected client
      controller.abort()
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }])
    } finally {
      await client.end()
    }
  })
})

describe('what connects on the caller\'s behalf gives up with the caller\'s signal', () => {
  it('dump(): ABORTED, nothing written', async () => {
    const url = await silentUrl()
    const { signal } = abortOnceAccepted()
    let written = 0
    const destination = new Writable({ write(chunk: Buffer, _encoding, callback) { written += chunk.length; callback() } })
    const error = await rejection(dump({ connection: url, schemaOnly: true }, destination, { signal }))
    expect(error.code).toBe('ABORTED')
    expect(written).toBe(0)
    await vi.waitFor(() => expect(silent!.closed).toBe(silent!.connections))
  })

  it('backups.create(): ABORTED, no backup stored, the failure in the history', async () => {
    const url = await silentUrl()
    const storage = memoryStorage()
    const backups = createBackupManager({ connection: url, storage, rateLimit: false })
    const { signal } = abortOnceAccepted()
    const failures: string[] = []
    backups.on('backup:failure', (event) => { failures.push(event.code) })
    const error = await rejection(backups.create({ signal }))
    expect(error.code).toBe('ABORTED')
    // cancelled while its lock's session was connecting: said as any cancelled backup is
    expect(error.message).toBe('the backup was cancelled')
    expect(failures).toEqual(['ABORTED'])
    expect(await backups.list()).toEqual([])
    const keys: string[] = []
    for await (const object of storage.list('')) keys.push(object.key)
    expect(keys.filter((k) => !k.startsWith('backups/audit/'))).toEqual([])
    await vi.waitFor(() => expect(silent!.closed).toBe(silent!.connections))
  })

  it.each([{ createDatabase: 'pgkeep_never_made' }, {}])('restore() %j: ABORTED', async (options) => {
    const url = await silentUrl()
    const { signal } = abortOnceAccepted()
    const error = await rejection(restore(Buffer.from('CREATE TABLE t (id int);\n'), { target: url, signal, ...options }))
    expect(error.code).toBe('ABORTED')
    expect(error.message).not.toContain(PASSWORD)
    await vi.waitFor(() => expect(silent!.closed).toBe(silent!.connections))
  })
})
