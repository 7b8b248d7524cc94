// Downloads of a signed backup over real HTTP (core's Node binding on a listening node:http server, the
// download link of GET /download/:id fetched over a raw socket; a real PostgreSQL, a real folder, a
// manager with a signing key): the audit says success only when every byte went out and the signed
// sha256 was checked. The check can only run at the storage's end, so the last bytes wait for it: a
// client of a folder whose end-of-file is held back (the file's bytes pass, its end never comes) never
// gets them and its download is ABORTED, not a success; a stored object changed under an intact signed
// manifest never reaches a client whole, whole or as `Range: bytes=0-`, and is BACKUP_UNTRUSTED. A
// client reading to the end and closing right after the last byte still makes a success. A range of part
// of it is not checked, and its audit event says so (unchecked: true beside the range).
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, s3Storage, type BackupManager, type BackupRecord } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'
import { nodeRouteRequest, writeRouteResult } from '../../src/http/node-http'
import { downloadsBy } from '../helpers/audited-downloads'
import { endNever } from '../helpers/end-never'

const server = inject('pgDefault')
const KEY = randomBytes(32).toString('hex')
let db: TestDatabase
let dir: string
let plain: BackupManager
let late: BackupManager
let record: BackupRecord
let file: Buffer
const apps: { port: number; close: () => Promise<void> }[] = []

/** The route table for `manager` on a listening server; the actor is whatever `authorization` says. */
async function listen(manager: BackupManager): Promise<number> {
  const config = resolveHttpConfig({ tokenSecret: 's'.repeat(32) })
  const s: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api\/backup/, '')
    const request = await nodeRouteRequest(req, res, { path })
    const result = await handleBackupRequest(request, { manager, config, log: () => {}, authorize: () => req.headers.authorization ?? null })
    await writeRouteResult(res, result)
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  apps.push({ port, close: () => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()) }) })
  return port
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'http_signed_download' })
  // Hashes compress poorly: the stored file is a few hundred KB, several reads.
  await runSql(db.url, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, encode(sha512(g::text::bytea), 'hex') FROM generate_series(1, 5000) g")
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-signed-dl-'))
  const storage = fsStorage({ dir })
  plain = createBackupManager({ connection: db.url, storage, rateLimit: false, signing: { key: KEY, require: true } })
  late = createBackupManager({ connection: db.url, storage: endNever(storage), rateLimit: false, signing: { key: KEY, require: true } })
  record = await plain.create({ actor: 'maker' })
  expect(record.signed).toBe(true)
  file = await readFile(join(dir, record.storagePath))
  expect(file.length).toBeGreaterThan(200 * 1024)
}, 120_000)
afterAll(async () => {
  for (const app of apps) await app.close()
  await db?.drop()
})

interface Got { status: number; body: Buffer; complete: boolean }

/**
 * Asks `port` for the download link of backup `id` as `actor`, then GETs it over a raw socket (with
 * `headers`) and destroys the socket once `take` body bytes (all of them by default) arrived, or nothing
 * more came for `idleMs`, or the server closed.
 */
async function download(port: number, id: string, actor: string, o: { take?: number; headers?: string; idleMs?: number } = {}): Promise<Got> {
  const asked = await fetch(`http://127.0.0.1:${port}/api/backup/download/${id}`, { headers: { authorization: actor } })
  expect(asked.status).toBe(200)
  const { url } = (await asked.json()) as { url: string }
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(`GET ${url} HTTP/1.1\r\nHost: x\r\n${o.headers ?? ''}\r\n`)
  return new Promise((resolve, reject) => {
    let raw = Buffer.alloc(0)
    let idle: NodeJS.Timeout | undefined
    const done = () => {
      clearTimeout(idle)
      socket.destroy()
      const headEnd = raw.indexOf('\r\n\r\n')
      if (headEnd < 0) return reject(new Error(`no answer: ${raw.toString('latin1')}`))
      const head = raw.subarray(0, headEnd).toString('latin1')
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1])
      const body = raw.subarray(headEnd + 4)
      resolve({ status: Number(head.split(' ')[1]), body: body.subarray(0, o.take ?? length), complete: body.length >= length })
    }
    const waitIdle = () => {
      clearTimeout(idle)
      idle = setTimeout(done, o.idleMs ?? 1000)
    }
    socket.on('error', reject)
    socket.on('close', done)
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk])
      waitIdle()
      const headEnd = raw.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const length = Number(/content-length: (\d+)/i.exec(raw.subarray(0, headEnd).toString('latin1'))?.[1])
      if (raw.length - headEnd - 4 >= (o.take ?? length)) done()
    })
    waitIdle()
  })
}

describe('a signed backup downloaded over HTTP', () => {
  it('is a success read to its end (client closing right after the last byte), ABORTED when closed before its sha256 was checked', async () => {
    const port = await listen(plain)
    // Whole, the client closing as soon as it has the last byte, 10 times: every one checked, every one a success.
    for (let i = 0; i < 10; i++) {
      const got = await download(port, record.id, 'whole')
      expect(got.status).toBe(200)
      expect(got.body.equals(file)).toBe(true)
    }
    const whole = await downloadsBy(plain, 'whole', 10)
    expect(whole.map((e) => e.outcome)).toEqual(Array(10).fill('success'))
    expect(whole[0]).toMatchObject({ target: record.id, detail: { bytes: file.length } })

    // The storage's end never comes, so the sha256 is never checked: the client does not get the last
    // bytes, and after waiting for them it closes; that is no success. Nor is one closed after 100 kB
    // (the rest of the file sat in the sockets' buffers already, so it counted as handed over).
    const heldPort = await listen(late)
    const held = await download(heldPort, record.id, 'held')
    expect(held.status).toBe(200)
    expect(held.complete).toBe(false)
    expect(held.body.length).toBeLessThan(file.length)
    expect(held.body.equals(file.subarray(0, held.body.length))).toBe(true)
    const cut = await download(heldPort, record.id, 'cut', { take: 100 * 1024 })
    expect(cut.body.length).toBe(100 * 1024)
    const [aborted] = await downloadsBy(late, 'cut', 1)
    expect(aborted).toMatchObject({ outcome: 'failure', detail: { code: 'ABORTED' } })
    expect(aborted!.detail!.bytes as number).toBeLessThan(file.length)
    const [unchecked] = await downloadsBy(late, 'held', 1)
    expect(unchecked).toMatchObject({ outcome: 'failure', detail: { code: 'ABORTED', bytes: held.body.length } })
    expect(unchecked!.detail!.message).toContain('before its signed sha256 was checked')
  })

  it('audits a range of part of it as an unchecked read (unchecked: true beside the range); whole and bytes=0- downloads as checked ones', async () => {
    // The part's bytes are not checked against the signature (it covers the whole object); its audit
    // event looked like that of a checked download.
    const port = await listen(plain)
    const part = await download(port, record.id, 'part', { headers: 'Range: bytes=100-1099\r\n' })
    expect(part.status).toBe(206)
    expect(part.body.equals(file.subarray(100, 1100))).toBe(true)
    const [partEvent] = await downloadsBy(plain, 'part', 1)
    expect(partEvent).toMatchObject({ outcome: 'success', target: record.id })
    expect(partEvent!.detail).toEqual({ bytes: 1000, range: { start: 100, end: 1099 }, unchecked: true })

    expect((await download(port, record.id, 'every-byte', { headers: 'Range: bytes=0-\r\n' })).body.equals(file)).toBe(true)
    expect((await download(port, record.id, 'all', {})).body.equals(file)).toBe(true)
    const [everyByte] = await downloadsBy(plain, 'every-byte', 1)
    const [all] = await downloadsBy(plain, 'all', 1)
    expect(everyByte!.detail).toEqual({ bytes: file.length, range: { start: 0, end: file.length - 1 } })
    expect(all!.detail).toEqual({ bytes: file.length })
  })

  it('changed in storage under its intact signed manifest: no client gets it whole (also as Range: bytes=0-), and it is BACKUP_UNTRUSTED', async () => {
    const changed = await plain.create({ actor: 'maker' })
    const path = join(dir, changed.storagePath)
    const bytes = await readFile(path)
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    await writeFile(path, bytes)
    const port = await listen(plain)

    const whole = await download(port, changed.id, 'tampered-whole')
    expect(whole.status).toBe(200)
    expect(whole.complete).toBe(false)
    const ranged = await download(port, changed.id, 'tampered-range', { headers: 'Range: bytes=0-\r\n' })
    expect(ranged.status).toBe(206)
    expect(ranged.complete).toBe(false)
    for (const actor of ['tampered-whole', 'tampered-range']) {
      const [event] = await downloadsBy(plain, actor, 1)
      expect(event, actor).toMatchObject({ outcome: 'failure', detail: { code: 'BACKUP_UNTRUSTED' } })
      expect(event!.detail!.message, actor).toContain('does not match its signed sha256')
    }
    // A range of part of it is not checked (the signature covers the whole object): served as asked.
    const part = await download(port, changed.id, 'tampered-part', { headers: 'Range: bytes=0-999\r\n' })
    expect(part.status).toBe(206)
    expect(part.body.equals(bytes.subarray(0, 1000))).toBe(true)
  })
})

describe('the download link of a signed backup in S3', () => {
  // A presigned URL fetches the object straight from the bucket, past the signed sha256 check: the
  // route handed one out for signed backups too, so a changed object reached the admin unchecked.
  it('is the routes\' own checked /file link under a signing key, a presigned URL without one', async () => {
    const s3 = inject('s3')
    const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket: `pgkeep-signed-link-${randomBytes(4).toString('hex')}` })
    const signedManager = createBackupManager({ connection: db.url, storage, rateLimit: false, signing: { key: KEY } })
    const made = await signedManager.create()
    const stored: Buffer[] = []
    for await (const chunk of (await storage.get(made.storagePath)) as AsyncIterable<Buffer>) stored.push(chunk)
    const signedPort = await listen(signedManager)
    const got = await download(signedPort, made.id, 'via-link')
    expect(got.status).toBe(200)
    expect(got.body.equals(Buffer.concat(stored))).toBe(true)
    const asked = await fetch(`http://127.0.0.1:${signedPort}/api/backup/download/${made.id}`, { headers: { authorization: 'via-link' } })
    expect(((await asked.json()) as { url: string }).url).toMatch(new RegExp(`^/api/backup/file/${made.id}\\?token=`))
    expect(await downloadsBy(signedManager, 'via-link', 1)).toEqual([expect.objectContaining({ outcome: 'success' })])

    const openPort = await listen(createBackupManager({ connection: db.url, storage, rateLimit: false }))
    const presigned = await fetch(`http://127.0.0.1:${openPort}/api/backup/download/${made.id}`, { headers: { authorization: 'open' } })
    expect(((await presigned.json()) as { url: string }).url).toMatch(new RegExp(`^http://${s3.endPoint}:${s3.port}/.+X-Amz-Signature=`))
  })
})
