// sslmode=prefer against a server without SSL: node-postgres closes the socket on the server's "no",
// so a session costs two connections. Only the first session of a dump or a restore pays it; the
// workers and the aside session connect without SSL at once. The sessions go through a loopback proxy
// that answers SSL requests with "no" itself (whatever the server's own ssl setting) and counts them.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump, restore } from '../../src/index'
import { dumpToFile } from '../helpers/dump-to-file'

const SSL_REQUEST = 80877103

interface CountingProxy {
  port: number
  connections: number
  sslRequests: number
  close(): Promise<void>
}

async function startProxy(upstream: { host: string; port: number }): Promise<CountingProxy> {
  const sockets = new Set<Socket>()
  const proxy: CountingProxy = { port: 0, connections: 0, sslRequests: 0, close: async () => {} }
  const server: Server = createServer((client) => {
    proxy.connections++
    sockets.add(client)
    client.on('error', () => {})
    let head = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      if (head.length < 8) return
      if (head.readInt32BE(0) === 8 && head.readInt32BE(4) === SSL_REQUEST) {
        proxy.sslRequests++
        head = head.subarray(8)
        client.write('N')
        if (head.length < 8) return
      }
      client.off('data', onData)
      client.pause()
      const server = tcpConnect(upstream.port, upstream.host, () => {
        server.write(head)
        client.pipe(server).pipe(client)
        client.resume()
      })
      sockets.add(server)
      server.on('error', () => client.destroy())
      client.on('close', () => server.destroy())
      server.on('close', () => client.destroy())
    }
    client.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.port = (server.address() as { port: number }).port
  proxy.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  return proxy
}

const server = inject('pgDefault')
let source: TestDatabase
let target: TestDatabase
let proxy: CountingProxy
let upstream: { host: string; port: number }

/** The same database through the proxy, with libpq's default sslmode (prefer). */
function viaProxy(db: TestDatabase): string {
  const url = new URL(db.url)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  url.searchParams.delete('host')
  url.searchParams.delete('sslmode')
  return url.toString()
}

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'sslatt_src' })
  target = await createDatabase(server.url, { prefix: 'sslatt_dst' })
  await runSql(source.url, `
    CREATE TABLE rooms (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE tenants (id int PRIMARY KEY, room_id int REFERENCES rooms, name text);
    CREATE TABLE payments (id int PRIMARY KEY, tenant_id int REFERENCES tenants, amount numeric(12,2));
    INSERT INTO rooms SELECT g, 'Kamar ' || g FROM generate_series(1, 50) g;
    INSERT INTO tenants SELECT g, 1 + g % 50, 'Penghuni ' || g FROM generate_series(1, 200) g;
    INSERT INTO payments SELECT g, 1 + g % 200, g * 1000 FROM generate_series(1, 2000) g;`)
  const [row] = await runSql<{ addr: string | null; port: number }>(source.url, 'SELECT host(inet_server_addr()) AS addr, current_setting(\'port\')::int AS port')
  upstream = { host: row!.addr ?? '127.0.0.1', port: row!.port }
  proxy = await startProxy(upstream)
}, 120_000)
afterAll(async () => {
  await proxy?.close()
  await target?.drop()
  await source?.drop()
})

describe('sslmode=prefer and a server without SSL', () => {
  it('a dump with jobs 2 asks for SSL once: its later sessions connect without it', async () => {
    const before = { connections: proxy.connections, sslRequests: proxy.sslRequests }
    const sink = new PassThrough()
    sink.resume()
    const summary = await dump({ connection: viaProxy(source), jobs: 2 }, sink)
    expect(summary.tables.map((t) => t.rows).sort((a, b) => a - b)).toEqual([50, 200, 2000])
    const sessions = proxy.connections - before.connections - (proxy.sslRequests - before.sslRequests)
    // the leader, and at least one more (the catalog's aside session, the copy workers)
    expect(sessions).toBeGreaterThanOrEqual(2)
    expect(proxy.sslRequests - before.sslRequests).toBe(1)
  })

  it('a restore with jobs 2 asks for SSL once: its workers connect without it', async () => {
    const { file } = await dumpToFile({ connection: source.url })
    const before = { connections: proxy.connections, sslRequests: proxy.sslRequests }
    await restore(file, { target: viaProxy(target), jobs: 2 })
    const rows = await runSql<{ n: string }>(target.url, 'SELECT (SELECT count(*) FROM rooms) + (SELECT count(*) FROM tenants) + (SELECT count(*) FROM payments) AS n')
    expect(Number(rows[0]!.n)).toBe(2250)
    const sessions = proxy.connections - before.connections - (proxy.sslRequests - before.sslRequests)
    expect(sessions).toBeGreaterThanOrEqual(2)
    expect(proxy.sslRequests - before.sslRequests).toBe(1)
  })
})
