// GET /events over real HTTP (core's Node binding on a listening node:http server, a real manager backing
// up a small database into a folder): what waits for a viewer is bounded. A raw socket that connects and
// never reads gets, while events pour out, one waiting progress event per backup (newer ones replace it),
// no pile of keep-alive comments, its start/success events kept up to the bound, and past the bound its
// stream ended (the server lets go of it and the manager's listeners). A viewer that reads gets every
// terminal event in order and each backup's latest progress. The loopback socket buffers take megabytes
// before a viewer that does not read pushes back, more than real backups of a test database report in a
// test's time: the events are fed to the route's listeners on the real manager (as node-routes.test.ts
// counts them), next to the real backups' own.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'
import { nodeRouteRequest, writeRouteResult } from '../../src/http/node-http'
import { MAX_QUEUED_EVENTS, progressEvents, type ProgressEventStream } from '../../src/http/progress-events'
import type { RouteDefinition } from '../../src/http/route-types'
import { backupRoutes } from '../../src/http/routes'

const server = inject('pgDefault')
let db: TestDatabase
let manager: BackupManager
/** The manager's listeners the route subscribed, by event: calling them is the manager emitting. */
const listening = new Map<string, Set<(payload: unknown) => void>>()
/** Every events stream the server answered with, newest last. */
const opened: ProgressEventStream[] = []

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_progress_events' })
  await runSql(db.url, 'create table tenants (id int primary key, name text); insert into tenants select g, md5(g::text) from generate_series(1, 2000) g')
  manager = createBackupManager({ connection: db.url, storage: fsStorage({ dir: await mkdtemp(join(tmpdir(), 'pgkeep-events-')) }), namePrefix: 'events', rateLimit: false })
  const on = manager.on
  manager.on = ((event, listener) => {
    const set = listening.get(event) ?? new Set()
    listening.set(event, set)
    set.add(listener as (payload: unknown) => void)
    const off = on(event, listener)
    return () => {
      set.delete(listener as (payload: unknown) => void)
      off()
    }
  }) as typeof manager.on
}, 120_000)
afterAll(() => db?.drop())

function emit(event: 'backup:start' | 'backup:progress' | 'backup:success' | 'backup:failure', payload: unknown): void {
  for (const listener of listening.get(event) ?? []) listener(payload)
}
const listeners = () => [...listening.values()].reduce((n, set) => n + set.size, 0)

const at = new Date('2026-01-01T00:00:00Z')
const start = (id: string) => emit('backup:start', { id, type: 'manual', actor: 'admin@test', createdBy: 'admin@test', at })
const progress = (id: string, percent: number) => emit('backup:progress', { id, phase: 'data', table: `public.${'t'.repeat(60)}`, tablesDone: 1, tablesTotal: 3, bytes: percent * 1000, totalBytes: 100_000, percent, storedBytes: percent * 100, at })
const success = (id: string) => emit('backup:success', { record: { id, filename: `${id}.sql.gz`, size: 1234, type: 'manual', createdAt: at } })
const failure = (id: string) => emit('backup:failure', { id, type: 'manual', actor: 'admin@test', createdBy: 'admin@test', code: 'COPY_FAILED', message: `backup ${id} failed`, at })

/** The route table, with the events route's keep-alive every `heartbeatMs` when given. */
function routes(heartbeatMs?: number): readonly RouteDefinition[] {
  if (heartbeatMs === undefined) return backupRoutes
  return backupRoutes.map((route) => route.name !== 'backup.events' ? route : {
    ...route,
    handle: async (input) => {
      const result = await route.handle(input)
      if (result.kind !== 'sse') throw new Error('the events route answered something else than events')
      result.stream.destroy()
      return { ...result, stream: progressEvents(input.manager, input.request.signal, input.scrub, { heartbeatMs }) }
    },
  } satisfies RouteDefinition)
}

async function listen(heartbeatMs?: number): Promise<{ port: number; base: string; close: () => Promise<void> }> {
  const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32) })
  const table = routes(heartbeatMs)
  const s: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api\/backup/, '')
    const request = await nodeRouteRequest(req, res, { path })
    const result = await handleBackupRequest(request, {
      manager, config, routes: table, log: () => {},
      authorize: () => (req.headers.authorization === 'admin' ? 'admin@test' : null),
    })
    if (result.kind === 'sse') opened.push(result.stream as ProgressEventStream)
    await writeRouteResult(res, result)
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  return {
    port,
    base: `http://127.0.0.1:${port}/api/backup`,
    close: () => new Promise<void>((resolve) => {
      s.closeAllConnections()
      s.close(() => resolve())
    }),
  }
}

/** Connects, asks for /events, waits for the answer's first bytes, then reads no more. */
async function stalledViewer(port: number): Promise<{ socket: Socket; stream: ProgressEventStream }> {
  const before = opened.length
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write('GET /api/backup/events HTTP/1.1\r\nHost: x\r\nAuthorization: admin\r\n\r\n')
  const [head] = (await once(socket, 'data')) as [Buffer]
  socket.pause()
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /)
  expect(opened.length).toBe(before + 1)
  return { socket, stream: opened.at(-1)! }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a viewer that connects and stops reading', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen(10)
  })
  afterAll(() => app?.close())

  it('has one waiting progress per backup and no pile of keep-alives; its terminal events wait up to the bound, past which its stream is ended', async () => {
    const { socket, stream } = await stalledViewer(app.port)
    start('busy')
    // Progress of one backup until the socket's buffers are full and events start to wait (megabytes on loopback).
    let sent = 0
    while (stream.queued.events === 0) {
      for (let i = 0; i < 200; i++) progress('busy', sent++ % 100)
      await tick()
      expect(sent).toBeLessThan(200_000)
    }
    // Thousands more, and 30 keep-alive periods: one progress waits, replaced by each newer one.
    for (let i = 0; i < 5000; i++) {
      progress('busy', i % 100)
      if (i % 500 === 0) await tick()
    }
    await sleep(300)
    expect(stream.queued.events).toBeLessThanOrEqual(1)
    expect(stream.queued.bytes).toBeLessThan(1024)
    expect(stream.destroyed).toBe(false)

    // Terminal events are not coalesced nor dropped: they wait, in order, up to the bound.
    success('busy')
    for (let i = 0, n = MAX_QUEUED_EVENTS - stream.queued.events; i < n; i++) (i % 2 === 0 ? success : failure)(`done-${i}`)
    expect(stream.queued.events).toBe(MAX_QUEUED_EVENTS)
    expect(stream.destroyed).toBe(false)
    // Past it the viewer's stream is ended, not grown.
    success('one-too-many')
    expect(stream.destroyed).toBe(true)
    expect(stream.queued).toEqual({ events: 0, bytes: 0 })
    expect(stream.errored).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' })
    // The manager's listeners are let go of with the last stream.
    expect(listeners()).toBe(0)
    // Read now, the connection comes to its end (an EventSource would reconnect).
    socket.resume()
    let received = 0
    socket.on('data', (chunk: Buffer) => { received += chunk.length })
    const closed = once(socket, 'close')
    await expect(Promise.race([closed.then(() => 'closed'), sleep(10_000).then(() => 'still open')])).resolves.toBe('closed')
    expect(received).toBeGreaterThan(0)
  })
})

describe('a viewer that reads', () => {
  let app: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    app = await listen()
  })
  afterAll(() => app?.close())

  it('gets every start, success and failure in order and the latest progress of each backup, with real backups among them', async () => {
    const controller = new AbortController()
    const response = await fetch(`${app.base}/events`, { headers: { authorization: 'admin' }, signal: controller.signal })
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const events: { event: string; data: { id?: string; percent?: number } }[] = []
    let text = ''
    const reading = (async () => {
      for (;;) {
        const next = await reader.read()
        if (next.done) return
        text += Buffer.from(next.value).toString('utf8')
        let end: number
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end)
          text = text.slice(end + 2)
          const m = /^event: (\w+)\ndata: (.*)$/s.exec(frame)
          if (m) events.push({ event: m[1]!, data: JSON.parse(m[2]!) })
        }
      }
    })()
    try {
      await expect.poll(() => events.length).toBeGreaterThan(0)
      expect(events[0]!.event).toBe('running')
      // A burst faster than any reader: 60 backups, 200 progress events each, then their end.
      const expected: string[] = []
      for (let b = 0; b < 60; b++) {
        start(`burst-${b}`)
        expected.push(`start burst-${b}`)
        for (let p = 0; p < 200; p++) progress(`burst-${b}`, Math.floor(p / 2))
        const end = b % 3 === 0 ? 'failure' : 'success'
        ;(end === 'failure' ? failure : success)(`burst-${b}`)
        expected.push(`${end} burst-${b}`)
      }
      // Real backups after it.
      for (let i = 0; i < 2; i++) {
        const record = await manager.create({ actor: 'admin@test' })
        expected.push(`start ${record.id}`, `success ${record.id}`)
      }
      const terminal = () => events.filter((e) => e.event !== 'progress' && e.event !== 'running').map((e) => `${e.event} ${e.data.id}`)
      await expect.poll(() => terminal().length, { timeout: 10_000 }).toBe(expected.length)
      expect(terminal()).toEqual(expected)
      // Progress that waited was replaced by newer: far fewer than the 12 000 sent, and each burst
      // backup's last progress before its end is its latest (99).
      const burstProgress = events.filter((e) => e.event === 'progress' && e.data.id?.startsWith('burst-'))
      expect(burstProgress.length).toBeLessThan(12_000 / 10)
      for (let b = 0; b < 60; b++) {
        const mine = burstProgress.filter((e) => e.data.id === `burst-${b}`)
        expect(mine.length, `burst-${b}`).toBeGreaterThan(0)
        expect(mine.at(-1)!.data.percent, `burst-${b}`).toBe(99)
      }
      // and each real backup's progress comes between its start and its success
      const [first] = await manager.list({ limit: 1 })
      const ids = events.map((e) => `${e.event} ${e.data.id}`)
      const realProgress = ids.map((s, i) => [s, i] as const).filter(([s]) => s === `progress ${first!.id}`).map(([, i]) => i)
      expect(realProgress.length).toBeGreaterThan(0)
      expect(Math.min(...realProgress)).toBeGreaterThan(ids.indexOf(`start ${first!.id}`))
      expect(Math.max(...realProgress)).toBeLessThan(ids.indexOf(`success ${first!.id}`))
    } finally {
      controller.abort()
      await reading.catch(() => {})
    }
    await expect.poll(() => listeners()).toBe(0)
  })
})
