// The restore route with `until`, and the history's recoverable window, through the Express router (the
// core route table, bound by the adapter) over real HTTP: a base backup of the change archive on an
// embedded server with wal_level = logical (the chain built by the core tests' helper).
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, withDatabase, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage } from '@pgkeep/core'
import { startTestChain, type TestChain } from './archive-chain'
import { createBackupRouter } from '../src/index'

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-express-until-'))
chmodSync(workDir, 0o755)
const dir = join(workDir, 'backups')
let own: EmbeddedServer | null = null
let serverUrl: string
let src: TestDatabase
let chain: TestChain
let app: Server
let base: string
const moments: { at: Date; rows: string }[] = []

const rowsOf = async (url: string) => (await runSql<{ rows: string }>(url, "SELECT string_agg(a::text, '|' ORDER BY id) AS rows FROM accounts a"))[0]!.rows
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

beforeAll(async () => {
  const embedded = Object.values(pgServers).find((s) => s.major === pgDefault.major) ?? Object.values(pgServers)[0]
  if (embedded) serverUrl = embedded.url
  else {
    own = await startEmbeddedServer({ major: isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15, dataDir: join(workDir, 'pg') })
    serverUrl = own.url
  }
  src = await createDatabase(serverUrl, { prefix: 'express_until_src' })
  await runSql(src.url, `
    CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
    INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g;
    CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
  const storage = fsStorage({ dir })
  chain = await startTestChain({ url: src.url, storage, slot: `pgkeep_express_until_${process.pid}`, publication: 'pgkeep_all' })
  for (let i = 1; i <= 9; i++) {
    await runSql(src.url, `BEGIN; UPDATE accounts SET balance = balance - ${i} WHERE id = ${1 + (i % 10)}; UPDATE accounts SET balance = balance + ${i} WHERE id = ${1 + ((i * 3) % 10)}; COMMIT;`)
    if (i % 4 === 0) {
      await sleep(3)
      const [row] = await runSql<{ at: Date }>(src.url, 'SELECT clock_timestamp() AS at')
      moments.push({ at: row!.at, rows: await rowsOf(src.url) })
      await sleep(3)
    }
  }
  await chain.waitFor(9)
  await chain.stop()

  const backups = createBackupManager({ connection: serverUrl, storage })
  const server = express()
  server.use(express.json())
  server.use('/api/backup', createBackupRouter(backups, { authorize: () => 'admin@kostman.test', allowRestore: true }))
  app = await new Promise<Server>((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve(s))
  })
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/backup`
}, 180_000)

afterAll(async () => {
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()))
  await chain?.stop().catch(() => {})
  await src?.drop()
  await own?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

describe('@pgkeep/express: restore with until', () => {
  it('the history carries the recoverable window of a base backup', async () => {
    const answer = await (await fetch(`${base}/history`)).json() as { backups: { id: string; recoverable?: { from: string; until: string; untilLsn: string; segments: number } }[] }
    const entry = answer.backups.find((b) => b.id === chain.record.id)!
    expect(entry.recoverable).toEqual({ from: expect.stringMatching(/Z$/), until: expect.stringMatching(/Z$/), untilLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), segments: 9 })
    expect(Date.parse(entry.recoverable!.until)).toBeGreaterThan(moments.at(-1)!.at.getTime())
  })

  it('POST …/:id/restore with until (an ISO time) restores the source as it was then, and answers what it replayed', async () => {
    for (const moment of moments) {
      const name = `express_until_${process.pid}_${moment.at.getTime()}`
      try {
        const res = await post(`/${chain.record.id}/restore`, { confirm: chain.record.filename, createDatabase: name, until: moment.at.toISOString() })
        const body = await res.json() as { success: boolean; replay: { target: { time: string }; transactions: number; lastCommitAt: string } }
        expect(res.status, JSON.stringify(body)).toBe(200)
        expect(body.replay).toMatchObject({ target: { time: moment.at.toISOString() }, transactions: expect.any(Number) })
        expect(await rowsOf(withDatabase(serverUrl, name))).toBe(moment.rows)
      } finally {
        await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
      }
    }
  })

  it('refuses an until that does not parse (400 naming the field) and one outside the window (400 naming the window)', async () => {
    const bad = await post(`/${chain.record.id}/restore`, { confirm: chain.record.filename, createDatabase: 'express_never', until: 'yesterday' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { message: string }).message).toContain('until')
    const local = await post(`/${chain.record.id}/restore`, { confirm: chain.record.filename, createDatabase: 'express_never', until: '2026-12-04T14:32:05' })
    expect(local.status).toBe(400)
    const late = await post(`/${chain.record.id}/restore`, { confirm: chain.record.filename, createDatabase: 'express_never', until: '2099-01-01T00:00:00Z' })
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/after the newest archived commit: backup \S+ is recoverable from \S+Z to \S+Z/) })
    const [made] = await runSql<{ n: number }>(serverUrl, "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'express_never'")
    expect(made!.n).toBe(0)
  })
})
