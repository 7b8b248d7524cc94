// A parallel restore's worker whose connection breaks under it. The failure is RESTORE_FAILED and says
// what happened in words a user can act on, also when all the client saw is a socket error (a write
// that found the connection closed: `write EPIPE`); and when the server's own reason for closing the
// session (the query in flight fails with it) arrives just after that socket error, the reason wins.
import pg from 'pg'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { PgkeepError } from '../../src/errors'
import { failed } from '../../src/restore/apply-script'
import { RestoreWorkers } from '../../src/restore/restore-workers'

const server = inject('pgDefault')
const clients: pg.Client[] = []
let pool: RestoreWorkers | null = null

async function connectOne(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url })
  await client.connect()
  clients.push(client)
  return client
}

/** Breaks the worker's connection the way a write to a closed socket does. */
function breakSocket(client: pg.Client): Error {
  const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' })
  ;(client as unknown as { connection: { stream: Socket } }).connection.stream.destroy(error)
  return error
}

async function failureOf(workers: RestoreWorkers): Promise<PgkeepError> {
  const deadline = Date.now() + 5_000
  while (!workers.failed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  return workers.failed!
}

afterEach(async () => {
  await pool?.close()
  pool = null
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})))
})

describe('a restore worker session lost', () => {
  it('to a socket error fails the restore with RESTORE_FAILED that says the server closed the connection', async () => {
    pool = await RestoreWorkers.open(2, connectOne, server.major)
    const cause = breakSocket(clients[1]!)
    const failure = await failureOf(pool)
    expect(failure).toBeInstanceOf(PgkeepError)
    expect(failure.code).toBe('RESTORE_FAILED')
    expect(failure.message).toBe('a restore worker session was lost: the server closed the connection (write EPIPE): its backend was terminated, the server stopped, or the network failed')
    expect(failure.cause).toBe(cause)
  })

  it('leaves the failure to the server\'s reason when it follows the socket error', async () => {
    pool = await RestoreWorkers.open(2, connectOne, server.major)
    const socketError = new Promise((resolve) => clients[0]!.once('error', resolve))
    breakSocket(clients[0]!)
    await socketError
    // what the query in flight reports right after the socket error: the server's message
    const reason = new PgkeepError('RESTORE_FAILED', 'restore failed at line 10: terminating connection due to administrator command')
    pool.fail(reason)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(pool.failed).toBe(reason)
  })

  it('by the server terminating its backend fails the restore with the server\'s reason', async () => {
    pool = await RestoreWorkers.open(2, connectOne, server.major)
    const pid = (clients[1] as unknown as { processID: number }).processID
    const control = await connectOne()
    await control.query('SELECT pg_catalog.pg_terminate_backend($1)', [pid])
    const failure = await failureOf(pool)
    expect(failure.code).toBe('RESTORE_FAILED')
    expect(failure.message).toMatch(/^a restore worker session was lost: (terminating connection due to administrator command|the server closed the connection)/)
  })

  it('to a socket error in a statement or COPY it was running says the same in the statement\'s failure', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' })
    const error = failed(epipe, 120, { type: 'TABLE DATA', schema: 'public', name: 'payments' } as Parameters<typeof failed>[2])
    expect(error.code).toBe('RESTORE_FAILED')
    expect(error.message).toBe('restoring TABLE DATA public.payments failed at line 120: the server closed the connection (write EPIPE): its backend was terminated, the server stopped, or the network failed')
    expect(error.cause).toBe(epipe)
    // a server error keeps its own words and SQLSTATE
    const server = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
    expect(failed(server, 120, null).message).toBe('restoring the script preamble failed at line 120: terminating connection due to administrator command (SQLSTATE 57P01)')
  })
})
