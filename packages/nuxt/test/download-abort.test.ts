// A client that goes away half way through a download: the server closes the backup file (checked in
// /proc/<pid>/fd of the server process) and the audit trail records the download as a failure, by the
// actor the signed link was handed to, with the bytes that went out. The backup is big enough (sample
// scale 5, ~13 MB) that it cannot sit in socket buffers, and the client is a raw socket that stops
// reading after the first bytes, so the control (the file is open while the client stalls) holds.
import { once } from 'node:events'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const P = '/api/backup'
let app: KostmanServer
let admin: string

beforeAll(async () => {
  app = await startKostman({ scale: 5 })
  admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
})

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
})

describe('an aborted download', () => {
  it('closes the backup file and is audited as a failure with the bytes sent', async () => {
    const created = await fetch(`${app.url}${P}/database?download=0`, { method: 'POST', headers: { cookie: admin } })
    expect(created.status).toBe(201)
    const record = (await created.json()) as { id: string; size: number }
    expect(record.size).toBeGreaterThan(8 * 1024 * 1024)
    const { url } = (await (await fetch(`${app.url}${P}/download/${record.id}`, { headers: { cookie: admin } })).json()) as { url: string }

    const openBackups = () => openFilesUnder(app.pid, app.storageDir!)
    const downloads = () => auditEvents(app.storageDir!).filter((e) => e.action === 'download' && e.target === record.id)
    const socket = connect(Number(new URL(app.url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    const [head] = (await once(socket, 'data')) as [Buffer]
    expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /)
    socket.pause()
    // Control: the client stalls, the server waits with the file open and has audited nothing yet.
    await new Promise((r) => setTimeout(r, 1000))
    expect(openBackups().length, 'the backup file is open while the client stalls').toBeGreaterThan(0)
    expect(downloads()).toEqual([])

    socket.destroy()
    expect(await eventually(() => openBackups().length === 0, 5000), `files still open: ${openBackups().join(', ')}`).toBe(true)
    expect(await eventually(() => downloads().length > 0, 5000)).toBe(true)
    const [event] = downloads()
    expect(event).toMatchObject({ actor: KOSTMAN_USERS.admin.email, outcome: 'failure', detail: { code: 'ABORTED' } })
    expect(event!.detail.bytes as number).toBeLessThan(record.size)
  })
})

interface AuditEntry {
  action: string
  actor: string | null
  target: string | null
  outcome: string
  detail: Record<string, unknown>
}

/** The audit events the manager keeps as objects under `<dir>/backups/audit/`. */
function auditEvents(dir: string): AuditEntry[] {
  const root = join(dir, 'backups', 'audit')
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(root, f), 'utf8')) as AuditEntry)
}

/** Paths under `dir` that process `pid` has open (from /proc/<pid>/fd). */
function openFilesUnder(pid: number, dir: string): string[] {
  const fdDir = `/proc/${pid}/fd`
  const out: string[] = []
  for (const fd of readdirSync(fdDir)) {
    try {
      const target = readlinkSync(join(fdDir, fd))
      if (target.startsWith(dir)) out.push(target)
    } catch {
      // closed while we looked
    }
  }
  return out
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return check()
}
