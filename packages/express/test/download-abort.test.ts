// A client that stalls, then goes away, half way through a download from the Express router: while it
// stalls the file stays open and the server reads ahead no more than backpressure allows (bytes sent
// stay far below the file); once it leaves, the file is closed (checked in /proc/self/fd), the download
// is audited as a failure with the bytes that went out, and no error escapes as unhandled.
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, readlink } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '@pgkeep/core'
import { createBackupRouter } from '../src/index'

const server = inject('pgDefault')
let db: TestDatabase
let dir: string
let app: Server
let base: string
const escaped: unknown[] = []
const onEscape = (error: unknown) => escaped.push(error)

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'express_abort' })
  // random text compresses poorly: a backup of several MB, more than socket buffers hold
  await runSql(db.url, `CREATE TABLE payments AS SELECT g AS id, md5(random()::text) || md5(random()::text) AS note FROM generate_series(1, 250000) g`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-express-abort-'))
  const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
  const web = express()
  web.use('/api/backup', createBackupRouter(backups, { authorize: (req) => (req.headers.authorization === 'Bearer admin' ? 'admin' : null) }))
  app = await new Promise<Server>((resolve) => {
    const s = web.listen(0, '127.0.0.1', () => resolve(s))
  })
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/backup`
  process.on('unhandledRejection', onEscape)
  process.on('uncaughtException', onEscape)
}, 120_000)
afterAll(async () => {
  process.off('unhandledRejection', onEscape)
  process.off('uncaughtException', onEscape)
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()))
  await db?.drop()
})

describe('an aborted download (Express)', () => {
  it('closes the backup file, audits a failure with the bytes sent, and leaks no error', async () => {
    const created = await fetch(`${base}/database?download=0`, { method: 'POST', headers: { authorization: 'Bearer admin' } })
    expect(created.status).toBe(201)
    const record = (await created.json()) as { id: string; size: number }
    expect(record.size).toBeGreaterThan(8 * 1024 * 1024)

    // a GET of the signed link, stalled after its first bytes
    const { url } = (await (await fetch(`${base}/download/${record.id}`, { headers: { authorization: 'Bearer admin' } })).json()) as { url: string }
    const client = connect((app.address() as AddressInfo).port, '127.0.0.1')
    await once(client, 'connect')
    client.write(`GET ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    const [head] = (await once(client, 'data')) as [Buffer]
    expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /)
    client.pause()
    await new Promise((r) => setTimeout(r, 1000))
    // control: while the client stalls, the file is open and nothing is audited yet
    expect((await openUnder(dir)).length).toBeGreaterThan(0)
    expect(await downloads(record.id)).toEqual([])

    client.destroy()
    expect(await eventually(async () => (await openUnder(dir)).length === 0)).toBe(true)
    expect(await eventually(async () => (await downloads(record.id)).length > 0)).toBe(true)
    const [event] = await downloads(record.id)
    expect(event).toMatchObject({ actor: 'admin', outcome: 'failure', detail: { code: 'ABORTED' } })
    // backpressure held: far less than the file went out before the client left
    expect(event!.detail.bytes as number).toBeLessThan(record.size / 2)
    expect(escaped).toEqual([])
  })
})

// --- internal ---

async function openUnder(root: string): Promise<string[]> {
  const out: string[] = []
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      const target = await readlink(join('/proc/self/fd', fd))
      if (target.startsWith(root) && target.includes('.sql.gz')) out.push(target)
    } catch {
      // closed while we looked
    }
  }
  return out
}

async function downloads(id: string): Promise<{ actor: string; outcome: string; detail: Record<string, unknown> }[]> {
  const root = join(dir, 'backups', 'audit')
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.json'))
  const events = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(root, f), 'utf8'))))
  return events.filter((e) => e.action === 'download' && e.target === id)
}

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return check()
}
