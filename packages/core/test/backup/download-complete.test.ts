// A download that handed over every byte is a success, also when its consumer closes before the storage's
// read reports end-of-file: curl, wget or a proxy close their connection right after the last byte, often
// before the file's next read sees its end. A real PostgreSQL, a real folder and a real HTTP server on
// loopback; the storage's end-of-file is held back (the file's bytes pass, its end never comes) so that
// the client always closes first, as it sometimes does with the plain folder. The plain folder is
// downloaded 20 times too by a client that closes right after its last byte. A consumer of the stream that
// leaves with bytes still unread in it, or after fewer bytes, is still a failure (ABORTED). (Over HTTP,
// bytes the response took count as handed over: the server cannot see what is still in socket buffers.)
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, type BackupManager, type BackupRecord } from '../../src/index'
import { downloadsBy } from '../helpers/audited-downloads'
import { endNever } from '../helpers/end-never'

const server = inject('pgDefault')
let db: TestDatabase
let dir: string
let plain: BackupManager
let late: BackupManager
let record: BackupRecord
let file: Buffer
let http: Server
let port: number

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'download_complete' })
  // Hashes compress poorly: the stored file is a few hundred KB, several reads.
  await runSql(db.url, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, encode(sha512(g::text::bytea), 'hex') FROM generate_series(1, 5000) g")
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-dl-complete-'))
  const storage = fsStorage({ dir })
  plain = createBackupManager({ connection: db.url, storage })
  late = createBackupManager({ connection: db.url, storage: endNever(storage) })
  record = await plain.create({ actor: 'maker' })
  file = await readFile(join(dir, record.storagePath))
  // GET /<late|plain>/<actor>[?start=&end=]: the download (or its range) as the body.
  http = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const [, which, actor] = url.pathname.split('/')
    const manager = which === 'late' ? late : plain
    const range = url.searchParams.has('start') ? { start: Number(url.searchParams.get('start')), end: Number(url.searchParams.get('end')) } : undefined
    manager.openDownload(record.id, { actor, ...(range ? { range } : {}) }).then((d) => {
      const length = d.range ? d.range.end - d.range.start + 1 : d.size
      res.writeHead(d.range ? 206 : 200, { 'content-type': d.contentType, 'content-length': length })
      pipeline(d.stream, res, () => {})
    }, () => res.writeHead(500).end())
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  port = (http.address() as AddressInfo).port
}, 120_000)
afterAll(async () => {
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
  await db?.drop()
})

/** GETs `path` over a raw socket and destroys the socket as soon as `take` body bytes (all of them by default) arrived. */
async function get(path: string, take?: number): Promise<{ status: number; body: Buffer }> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
  return new Promise((resolve, reject) => {
    let raw = Buffer.alloc(0)
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk])
      const headEnd = raw.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const head = raw.subarray(0, headEnd).toString('latin1')
      const length = Number(/content-length: (\d+)/i.exec(head)![1])
      const body = raw.subarray(headEnd + 4)
      if (body.length >= (take ?? length)) {
        socket.destroy()
        resolve({ status: Number(head.split(' ')[1]), body: body.subarray(0, take ?? length) })
      }
    })
  })
}

describe('a download whose client closes right after the last byte', () => {
  it('is a success although the storage had not reported its end', async () => {
    const { status, body } = await get('/late/whole')
    expect(status).toBe(200)
    expect(body.equals(file)).toBe(true)
    const [event] = await downloadsBy(late, 'whole', 1)
    expect(event).toMatchObject({ action: 'download', target: record.id, outcome: 'success', detail: { bytes: file.length } })
  })

  it('a range: every byte of the range is a success', async () => {
    const start = 1000
    const end = Math.floor(file.length / 2)
    const { status, body } = await get(`/late/ranged?start=${start}&end=${end}`)
    expect(status).toBe(206)
    expect(body.equals(file.subarray(start, end + 1))).toBe(true)
    const [event] = await downloadsBy(late, 'ranged', 1)
    expect(event).toMatchObject({ outcome: 'success', detail: { bytes: end - start + 1, range: { start, end } } })
  })

  it('the plain folder, 20 times: every complete download is a success', async () => {
    for (let i = 0; i < 20; i++) {
      const { body } = await get('/plain/twenty')
      expect(body.equals(file)).toBe(true)
    }
    const events = await downloadsBy(plain, 'twenty', 20)
    expect(events.map((e) => e.outcome)).toEqual(Array(20).fill('success'))
  })
})

describe('the stream API', () => {
  it('a consumer that read every byte and destroys the stream before its end: success', async () => {
    const d = await late.openDownload(record.id, { actor: 'reader' })
    let got = 0
    for await (const chunk of d.stream) {
      got += (chunk as Buffer).length
      if (got === file.length) break // the for-await's return destroys the stream
    }
    expect(got).toBe(file.length)
    const [event] = await downloadsBy(late, 'reader', 1)
    expect(event).toMatchObject({ outcome: 'success', detail: { bytes: file.length } })
  })

  it('a consumer that leaves after its first chunk: failure (ABORTED)', async () => {
    const d = await late.openDownload(record.id, { actor: 'early' })
    let got = 0
    for await (const chunk of d.stream) {
      got += (chunk as Buffer).length
      break
    }
    expect(got).toBeLessThan(file.length)
    const [event] = await downloadsBy(late, 'early', 1)
    expect(event).toMatchObject({ outcome: 'failure', detail: { code: 'ABORTED' } })
  })

  it('a consumer that leaves with the bytes through but unread in the stream: failure (ABORTED)', async () => {
    // A small range: all of it passes into the stream's buffer at once, and nobody reads it.
    const d = await late.openDownload(record.id, { actor: 'unread', range: { start: 0, end: 999 } })
    d.stream.pause()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(d.stream.readableLength).toBe(1000)
    d.stream.destroy()
    const [event] = await downloadsBy(late, 'unread', 1)
    expect(event).toMatchObject({ outcome: 'failure', detail: { code: 'ABORTED', bytes: 1000 } })
  })
})
