// s3Storage() against the storage contract on a real S3 endpoint (s3rver on 127.0.0.1), and what only S3
// can get wrong: the multipart requests it sends, aborts, credentials, a dead or dying endpoint, the
// bucket, the prefix, list pages and presigned URLs. The memory an upload holds: s3-memory.test.ts.
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { inspect } from 'node:util'
import { findFreePort } from '@pgkeep/testkit/free-port'
import { startSilentServer } from '@pgkeep/testkit/silent-server'
import { startS3Server, type S3Endpoint, type S3Request, type S3Server } from '@pgkeep/testkit'
import { Client } from 'minio'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { s3Storage, type S3StorageOptions } from '../../src/index'
import { copyObject } from '../../src/storage/copy-object'
import { describeStorageConformance } from './conformance'
import { bytes, chunked, collect, failingAfter, failure, MiB, readAll, stallingAfter } from './helpers'

const shared = inject('s3')
const PART = 5 * MiB

let buckets = 0
function newBucket(tag: string): string {
  return `${tag}-${process.pid}-${buckets++}-${randomBytes(3).toString('hex')}`
}

function options(endpoint: S3Endpoint, extra: Partial<S3StorageOptions> = {}): S3StorageOptions {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return { endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket: newBucket('t'), ...extra }
}

function rawClient(endpoint: S3Endpoint): Client {
  const { endPoint, port, accessKey, secretKey, region } = endpoint
  return new Client({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true })
}

/** Endpoints a test started itself; stopped after it. */
const ownServers: S3Server[] = []
async function ownServer(opts: Parameters<typeof startS3Server>[0] = {}): Promise<S3Server> {
  const server = await startS3Server({ recordRequests: true, ...opts })
  ownServers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(ownServers.splice(0).map((s) => s.stop()))
})

/** The requests about one object, as `METHOD query` with the upload id replaced by `ID`. */
function objectRequests(requests: S3Request[], bucket: string, key: string): string[] {
  return requests
    .filter((r) => r.path === `/${bucket}/${key}`)
    .map((r) => `${r.method} ${r.query.replace(/uploadId=[0-9a-f]+/, 'uploadId=ID')}`.trim())
}

describeStorageConformance('s3', {
  open: async () => ({ driver: s3Storage(options(shared, { partSizeBytes: PART })) }),
  partSizeBytes: PART,
})

describe('s3Storage', () => {
  it('sends a body shorter than one part as one PUT, and a longer one as parts 1..n and a completion', async () => {
    const server = await ownServer()
    const bucket = newBucket('parts')
    const driver = s3Storage(options(server, { bucket, partSizeBytes: PART }))
    await driver.put('small.sql.gz', chunked(bytes(100)))
    await driver.put('big.sql.gz', chunked(bytes(Math.floor(PART * 2.5))))
    await driver.put('exact.sql.gz', chunked(bytes(PART * 2)))
    const requests = await server.requests()
    expect(objectRequests(requests, bucket, 'small.sql.gz')).toEqual(['PUT', 'HEAD'])
    expect(objectRequests(requests, bucket, 'big.sql.gz')).toEqual([
      'POST uploads',
      'PUT uploadId=ID&partNumber=1',
      'PUT uploadId=ID&partNumber=2',
      'PUT uploadId=ID&partNumber=3',
      'POST uploadId=ID',
      'HEAD',
    ])
    expect(objectRequests(requests, bucket, 'exact.sql.gz')).toEqual([
      'POST uploads',
      'PUT uploadId=ID&partNumber=1',
      'PUT uploadId=ID&partNumber=2',
      'POST uploadId=ID',
      'HEAD',
    ])
    const objects = requests.filter((r) => r.path.startsWith(`/${bucket}/`))
    expect(objects.every((r) => r.status !== undefined && r.status < 300)).toBe(true)
  })

  it('stores the content type, in one PUT and in a multipart upload', async () => {
    const bucket = newBucket('type')
    const driver = s3Storage(options(shared, { bucket, partSizeBytes: PART }))
    await driver.put('a.sql.gz', chunked(bytes(10)), { contentType: 'application/gzip' })
    await driver.put('b.sql.gz', chunked(bytes(PART + 1)), { contentType: 'application/gzip' })
    await driver.put('c.bin', chunked(bytes(10)))
    const raw = rawClient(shared)
    expect((await raw.statObject(bucket, 'a.sql.gz')).metaData['content-type']).toBe('application/gzip')
    expect((await raw.statObject(bucket, 'b.sql.gz')).metaData['content-type']).toBe('application/gzip')
    expect((await raw.statObject(bucket, 'c.bin')).metaData['content-type']).toBe('application/octet-stream')
  })

  it('aborts the multipart upload when the body fails, tolerating s3rver refusing the abort (405)', async () => {
    const server = await ownServer()
    const bucket = newBucket('abort')
    const driver = s3Storage(options(server, { bucket, partSizeBytes: PART }))
    await failure(driver.put('failed.sql.gz', failingAfter(bytes(Math.floor(PART * 2.3)), new Error('boom'))), 'STORAGE_FAILED')
    const requests = (await server.requests()).filter((r) => r.path === `/${bucket}/failed.sql.gz`)
    expect(objectRequests(requests, bucket, 'failed.sql.gz')).toEqual([
      'POST uploads',
      'PUT uploadId=ID&partNumber=1',
      'PUT uploadId=ID&partNumber=2',
      'DELETE uploadId=ID',
    ])
    const uploadId = /uploadId=([0-9a-f]+)/.exec(requests[1]!.query)![1]
    expect(requests[3]!.query).toBe(`uploadId=${uploadId}`)
    expect(requests[3]!.status).toBe(405)
    expect(await driver.stat('failed.sql.gz')).toBeNull()
  })

  it('aborts the multipart upload when the signal fires', async () => {
    const server = await ownServer()
    const bucket = newBucket('signal')
    const driver = s3Storage(options(server, { bucket, partSizeBytes: PART }))
    const controller = new AbortController()
    const body = stallingAfter(bytes(Math.floor(PART * 1.5)), () => setTimeout(() => controller.abort(), 200))
    await failure(driver.put('aborted.sql.gz', body, { signal: controller.signal }), 'ABORTED')
    expect(objectRequests(await server.requests(), bucket, 'aborted.sql.gz')).toEqual(['POST uploads', 'PUT uploadId=ID&partNumber=1', 'DELETE uploadId=ID'])
    expect(await driver.stat('aborted.sql.gz')).toBeNull()
  })

  it('creates its bucket on the first put, never on a read, and never sets a policy or an ACL', async () => {
    const server = await ownServer()
    const bucket = newBucket('create')
    const driver = s3Storage(options(server, { bucket }))
    const raw = rawClient(server)
    expect(await raw.bucketExists(bucket)).toBe(false)
    expect(await driver.stat('x')).toBeNull()
    expect(await collect(driver.list(''))).toEqual([])
    await failure(driver.get('x'), 'STORAGE_NOT_FOUND')
    await driver.remove('x')
    expect(await raw.bucketExists(bucket)).toBe(false)
    await driver.put('first.sql.gz', chunked(Buffer.from('first')))
    expect(await raw.bucketExists(bucket)).toBe(true)
    await driver.put('second.sql.gz', chunked(Buffer.from('second')))
    const requests = await server.requests()
    expect(requests.filter((r) => r.path === `/${bucket}` && r.method === 'PUT')).toHaveLength(1)
    expect(requests.filter((r) => /(^|&)(policy|acl)(=|&|$)/.test(r.query))).toEqual([])
    expect((await readAll(await driver.get('second.sql.gz'))).toString()).toBe('second')
  })

  it('tells a missing bucket from an empty one: assertExists() and get() are STORAGE_NOT_FOUND naming the bucket and endpoint', async () => {
    // a misspelt bucket listed as "no backups"; readers that must not take a typo for that ask assertExists()
    const server = await ownServer()
    const bucket = newBucket('typo')
    const driver = s3Storage(options(server, { bucket }))
    const where = `the bucket "${bucket}" does not exist at 127.0.0.1:${server.port}`
    const missing = await failure(driver.assertExists!(), 'STORAGE_NOT_FOUND')
    expect(missing.message).toBe(where)
    expect(missing.hint).toBe('check the bucket name and the endpoint; the bucket is created by the first backup, never by listing, downloading or restoring')
    const read = await failure(driver.get('backups/x.sql.gz'), 'STORAGE_NOT_FOUND')
    expect(read.message).toBe(where)
    expect(s3CodeOf(read.cause)).toBe('NoSuchBucket')
    // a store nothing was written to yet still lists empty (a new replica is filled by replicate())
    expect(await collect(driver.list(''))).toEqual([])
    expect(await rawClient(server).bucketExists(bucket)).toBe(false)
    await driver.put('first.sql.gz', chunked(Buffer.from('first')))
    await driver.assertExists!()
    // an endpoint that is down is not a missing bucket
    const down = s3Storage(options({ ...server, port: await findFreePort() }, { bucket }))
    await failure(down.assertExists!(), 'STORAGE_UNREACHABLE')
  })

  it('uses a bucket that exists already', async () => {
    const bucket = newBucket('exists')
    await rawClient(shared).makeBucket(bucket, shared.region)
    const driver = s3Storage(options(shared, { bucket }))
    expect((await driver.put('x', chunked(Buffer.from('x')))).size).toBe(1)
  })

  it('refuses a wrong secret key with STORAGE_ACCESS_DENIED, and never shows the secret', async () => {
    const secret = 'wrong-secret-7f3a9c51'
    const bucket = newBucket('denied')
    const good = s3Storage(options(shared, { bucket }))
    await good.put('there.sql.gz', chunked(Buffer.from('x')))
    const driver = s3Storage(options(shared, { bucket, secretKey: secret }))
    for (const attempt of [
      () => driver.put('new.sql.gz', chunked(Buffer.from('x'))),
      () => driver.get('there.sql.gz'),
      () => driver.stat('there.sql.gz'),
      () => collect(driver.list('')),
      () => driver.remove('there.sql.gz'),
    ]) {
      const error = await failure(attempt(), 'STORAGE_ACCESS_DENIED')
      expect(error.message).toContain(`"${bucket}"`)
      expect(error.hint).toMatch(/secretKey/)
      expect(inspect(error, { depth: 10 })).not.toContain(secret)
      expect(JSON.stringify(error)).not.toContain(secret)
    }
    expect(await good.stat('there.sql.gz')).not.toBeNull()
    expect(await good.stat('new.sql.gz')).toBeNull()
  })

  it('refuses an unknown access key with STORAGE_ACCESS_DENIED', async () => {
    const driver = s3Storage(options(shared, { accessKey: 'NOBODY', secretKey: 'also-not-a-secret-4711' }))
    const error = await failure(driver.put('x', chunked(Buffer.from('x'))), 'STORAGE_ACCESS_DENIED')
    expect(inspect(error, { depth: 10 })).not.toContain('also-not-a-secret-4711')
  })

  it('says STORAGE_UNREACHABLE when nothing listens at the endpoint', async () => {
    const port = await findFreePort()
    const driver = s3Storage(options({ ...shared, port }))
    for (const attempt of [
      () => driver.put('x.sql.gz', chunked(Buffer.from('x'))),
      () => driver.get('x.sql.gz'),
      () => driver.stat('x.sql.gz'),
      () => collect(driver.list('')),
      () => driver.remove('x.sql.gz'),
    ]) {
      const error = await failure(attempt(), 'STORAGE_UNREACHABLE')
      expect(error.message).toContain(`127.0.0.1:${port}`)
      expect(error.message).toContain('ECONNREFUSED')
      expect(error.hint).toMatch(/endPoint/)
    }
  })

  it('says STORAGE_UNREACHABLE after requestTimeoutMs when the endpoint accepts connections but never answers', async () => {
    // a hung server, or a proxy whose upstream is gone: without a timeout every call waited forever
    const silent = await startSilentServer()
    const { port } = silent
    try {
      // no region: presign asks the endpoint for the bucket's region first
      const { region: _region, ...withoutRegion } = options({ ...shared, port }, { requestTimeoutMs: 300 })
      const driver = s3Storage(withoutRegion)
      for (const attempt of [
        () => driver.put('x.sql.gz', chunked(Buffer.from('x'))),
        () => driver.get('x.sql.gz'),
        () => driver.stat('x.sql.gz'),
        () => collect(driver.list('')),
        () => driver.remove('x.sql.gz'),
        () => driver.presign!('x.sql.gz', 60),
      ]) {
        const startedAt = Date.now()
        const outcome = await Promise.race([
          failure(attempt(), 'STORAGE_UNREACHABLE'),
          new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
        ])
        expect(outcome, String(attempt)).not.toBe('hung')
        const error = outcome as Exclude<typeof outcome, 'hung'>
        expect(error.message).toContain(`127.0.0.1:${port}`)
        expect(error.message).toContain('ETIMEDOUT')
        expect(error.message).toContain('requestTimeoutMs')
        expect(Date.now() - startedAt).toBeLessThan(5_000)
      }
    } finally {
      await silent.close()
    }
  })

  it('answers ABORTED at once when the signal fires while the endpoint has not answered about the bucket yet', async () => {
    // before, the put waited for the bucket check (here: until requestTimeoutMs, 60 s by default)
    const silent = await startSilentServer()
    const { port } = silent
    try {
      const driver = s3Storage(options({ ...shared, port }))
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('cancelled by the test')), 200)
      const body = Readable.from(chunked(Buffer.from('never stored')))
      const startedAt = Date.now()
      const outcome = await Promise.race([
        failure(driver.put('x.sql.gz', body, { signal: controller.signal }), 'ABORTED'),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000)),
      ])
      expect(outcome).not.toBe('hung')
      expect(Date.now() - startedAt).toBeLessThan(3_000)
      expect(body.destroyed).toBe(true)
    } finally {
      await silent.close()
    }
  })

  it('takes an IPv6 address as endPoint (`::1`, `[::1]`), and names it `[::1]:port` in messages', async () => {
    // a forwarder on ::1 to the endpoint (s3rver listens on 127.0.0.1 only); before, s3Storage refused any
    // endPoint with a colon as "a host name only, without scheme, port or path"
    let connections = 0
    const sockets = new Set<Socket>()
    const forwarder = createServer((client) => {
      connections++
      const upstream = connect(shared.port, '127.0.0.1')
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('error', () => {})
        socket.on('close', () => {
          sockets.delete(socket)
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => forwarder.listen(0, '::1', resolve))
    const { port } = forwarder.address() as AddressInfo
    try {
      for (const endPoint of ['::1', '[::1]']) {
        // s3rver reads the `[::1]` Host header as a virtual-host bucket, so no object is found there; the
        // request reaching it through ::1 and being answered is what this shows
        expect(await s3Storage(options({ ...shared, port }, { endPoint })).stat('x.sql.gz')).toBeNull()
        expect(connections).toBeGreaterThan(0) // (the second endPoint may reuse the kept-alive connection)
        const closed = await findFreePort()
        const error = await failure(s3Storage(options({ ...shared, port: closed }, { endPoint })).stat('x.sql.gz'), 'STORAGE_UNREACHABLE')
        expect(error.message).toContain(`the S3 endpoint [::1]:${closed} is unreachable`)
      }
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => forwarder.close(resolve))
    }
  })

  it('says there is no S3 API at an endpoint that answers with a web page (a console port, a proxy page)', async () => {
    // as MinIO's console (port 9001) answers: its page, 200, to every request. Before, a put failed with
    // "5 bytes were sent but 103 are stored", stat() and get() returned the page as the object, and a
    // lifecycle rule seemed set.
    const page = '<!doctype html><html><head><title>Console</title></head><body><div id="root"></div></body></html>'
    const webConsole = createHttpServer((request, response) => {
      request.resume()
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) })
        response.end(request.method === 'HEAD' ? undefined : page)
      })
    })
    await new Promise<void>((resolve) => webConsole.listen(0, '127.0.0.1', resolve))
    const { port } = webConsole.address() as AddressInfo
    try {
      const { region: _region, ...withoutRegion } = options({ ...shared, port })
      const driver = s3Storage(withoutRegion)
      for (const attempt of [
        () => driver.put('x.sql.gz', chunked(Buffer.from('hello'))),
        () => driver.get('x.sql.gz'),
        () => driver.stat('x.sql.gz'),
        () => collect(driver.list('')),
        () => driver.presign!('x.sql.gz', 60),
        () => driver.setLifecycleRule!('', { abortIncompleteUploadsAfterDays: 1, expireAfterDays: null }),
      ]) {
        const error = await failure(attempt(), 'STORAGE_UNREACHABLE')
        expect(error.message, String(attempt)).toContain(`no S3 API at 127.0.0.1:${port}: it answered with a web page (HTTP 200)`)
        expect(error.hint).toMatch(/port.*console/)
      }
    } finally {
      await new Promise((resolve) => webConsole.close(resolve))
    }
  })

  it('still reads an object stored as text/html (an object answer has an ETag)', async () => {
    const driver = s3Storage(options(shared))
    const html = Buffer.from('<!doctype html><p>not a backup</p>')
    await driver.put('page.html', chunked(html), { contentType: 'text/html' })
    expect(await driver.stat('page.html')).toMatchObject({ size: html.length })
    expect(await readAll(await driver.get('page.html'))).toEqual(html)
    expect(await readAll(await driver.get('page.html', { start: 2 }))).toEqual(html.subarray(2))
  })

  it('lets a download pause for longer than requestTimeoutMs once its answer began', async () => {
    const bucket = options(shared)
    const driver = s3Storage({ ...bucket, requestTimeoutMs: 200 })
    const data = bytes(2 * MiB)
    // put with the default limit: on a busy machine the endpoint may take over 200 ms to answer a 2 MiB put
    await s3Storage(bucket).put('slow-reader.bin', chunked(data))
    const stream = (await driver.get('slow-reader.bin')) as AsyncIterable<Buffer>
    const chunks: Buffer[] = []
    for await (const chunk of stream) {
      if (chunks.length === 0) await new Promise((resolve) => setTimeout(resolve, 600))
      chunks.push(chunk)
    }
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
  })

  it('releases the body of a put that fails before reading it: a copy into an unreachable replica closes its source', async () => {
    const port = await findFreePort()
    const down = s3Storage(options({ ...shared, port }))
    const body = Readable.from(chunked(Buffer.from('never read')))
    await failure(down.put('x.sql.gz', body), 'STORAGE_UNREACHABLE')
    expect(body.destroyed).toBe(true)
    const invalid = Readable.from(chunked(Buffer.from('never read')))
    await failure(s3Storage(options(shared)).put('../x', invalid), 'STORAGE_INVALID')
    expect(invalid.destroyed).toBe(true)

    // the copy of a backup into a replica that is down: the GET of the primary's object must not stay open
    const primary = s3Storage(options(shared))
    await primary.put('backups/2026/a.sql.gz', chunked(bytes(3 * MiB)))
    const sources: NodeJS.ReadableStream[] = []
    const watched: typeof primary = { ...primary, get: async (key, range) => { const stream = await primary.get(key, range); sources.push(stream); return stream } }
    await failure(copyObject(watched, down, 'backups/2026/a.sql.gz'), 'STORAGE_UNREACHABLE')
    expect(sources).toHaveLength(1)
    await expect.poll(() => (sources[0] as Readable).destroyed, { timeout: 2_000 }).toBe(true)
  })

  it('fails clearly when the endpoint dies mid-upload, and after a restart nothing is under the key', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pgkeep-s3-restart-'))
    try {
      const first = await ownServer({ directory })
      const bucket = newBucket('dies')
      const driver = s3Storage(options(first, { bucket, partSizeBytes: PART }))
      await driver.put('before.sql.gz', chunked(Buffer.from('stored before')))
      const data = bytes(PART * 4)
      const body = Readable.from(
        (async function* () {
          yield data.subarray(0, PART * 2 + 1000)
          // the stream reads ahead: wait until part 1 is stored, so that the upload is well under way
          while (!(await first.requests()).some((r) => r.query.endsWith('partNumber=1') && r.status === 200)) await sleep(10)
          await first.stop()
          yield data.subarray(PART * 2 + 1000)
        })(),
        { objectMode: false },
      )
      const error = await failure(driver.put('dying.sql.gz', body), 'STORAGE_UNREACHABLE')
      expect(error.message).toContain('"dying.sql.gz"')
      expect(error.message).toContain(`"${bucket}"`)
      expect(error.message).toMatch(/could not be aborted/)

      await ownServer({ port: first.port, directory })
      expect(await driver.stat('dying.sql.gz')).toBeNull()
      expect((await collect(driver.list(''))).map((o) => o.key)).toEqual(['before.sql.gz'])
      // and the endpoint takes new uploads under that key
      expect((await driver.put('dying.sql.gz', chunked(data))).size).toBe(data.length)
    } finally {
      await Promise.all(ownServers.splice(0).map((s) => s.stop()))
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('pages lists with start-after (listPageSize)', async () => {
    const server = await ownServer()
    const bucket = newBucket('pages')
    const driver = s3Storage(options(server, { bucket, listPageSize: 7 }))
    const keys = Array.from({ length: 30 }, (_, i) => `p/${String(i).padStart(2, '0')}`)
    await Promise.all(keys.map((key) => driver.put(key, chunked(Buffer.from(key)))))
    expect((await collect(driver.list('p/'))).map((o) => o.key)).toEqual(keys)
    const lists = (await server.requests()).filter((r) => r.method === 'GET' && r.path === `/${bucket}`)
    expect(lists.map((r) => new URLSearchParams(r.query).get('start-after'))).toEqual([null, 'p/06', 'p/13', 'p/20', 'p/27'])
    expect(lists.every((r) => new URLSearchParams(r.query).get('max-keys') === '7')).toBe(true)
  })

  it('keeps its keys under the prefix option', async () => {
    const bucket = newBucket('prefix')
    const driver = s3Storage(options(shared, { bucket, prefix: 'tenant-a/' }))
    await driver.put('x.sql.gz', chunked(Buffer.from('x')))
    const raw = rawClient(shared)
    await raw.putObject(bucket, 'other/y', Buffer.from('y'))
    await raw.putObject(bucket, 'tenant-a/folder/', Buffer.alloc(0))
    expect((await raw.statObject(bucket, 'tenant-a/x.sql.gz')).size).toBe(1)
    expect((await collect(driver.list(''))).map((o) => o.key)).toEqual(['x.sql.gz'])
    expect(await driver.stat('other/y')).toBeNull()
    const noSlash = s3Storage(options(shared, { bucket, prefix: 'tenant-a' }))
    expect((await noSlash.stat('x.sql.gz'))?.size).toBe(1)
    await driver.remove('x.sql.gz')
    await expect(raw.statObject(bucket, 'tenant-a/x.sql.gz')).rejects.toMatchObject({ code: 'NotFound' })
  })

  it('presigns URLs that download without credentials, and expire', async () => {
    const driver = s3Storage(options(shared))
    const data = bytes(4096, 3)
    await driver.put('shared/dl.sql.gz', chunked(data))
    const url = await driver.presign!('shared/dl.sql.gz', 60)
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true)
    const shortLived = await driver.presign!('shared/dl.sql.gz', 1)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    expect((await fetch(shortLived)).status).toBe(403)
    // a tampered signature is refused too (the test endpoint checks SigV4 signatures)
    expect((await fetch(url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`))).status).toBe(403)
    for (const seconds of [0, -1, 1.5, 604_801]) await failure(driver.presign!('shared/dl.sql.gz', seconds), 'STORAGE_INVALID')
    await failure(driver.presign!('../x', 60), 'STORAGE_INVALID')
  })

  it('refuses invalid options with STORAGE_INVALID, never repeating the secret', () => {
    const secretKey = 'very-secret-key-0042'
    const invalid: Partial<S3StorageOptions>[] = [
      { bucket: 'Upper' },
      { bucket: 'ab' },
      { bucket: 'a..b' },
      { bucket: '192.168.1.1' },
      { bucket: 'pg-10.0.0.1-backups' }, // the minio client refused it at the first call (STORAGE_FAILED)
      { endPoint: 'http://127.0.0.1' },
      { endPoint: '127.0.0.1:9000' },
      { endPoint: '[::1]:9000' },
      { endPoint: 'http://[::1]' },
      { endPoint: '' },
      { port: 0 },
      { accessKey: '' },
      { secretKey: '' },
      { partSizeBytes: 4 * MiB },
      { partSizeBytes: 6 * 1024 * MiB },
      { listPageSize: 0 },
      { listPageSize: 1001 },
      { requestTimeoutMs: 0 },
      { requestTimeoutMs: 1.5 },
      { requestTimeoutMs: 2 ** 31 },
      { prefix: '../up' },
      { prefix: '/abs' },
    ]
    for (const extra of invalid) {
      let thrown: unknown
      try {
        s3Storage(options(shared, { secretKey, ...extra }))
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(extra)).toMatchObject({ code: 'STORAGE_INVALID' })
      expect(inspect(thrown)).not.toContain(secretKey)
    }
  })

  it('refuses unknown and misspelt options, naming each and the option it most likely meant', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ usessl: false }, 's3Storage: unknown option `usessl` (did you mean `useSSL`?)'],
      [{ pathstyle: true }, 's3Storage: unknown option `pathstyle` (did you mean `pathStyle`?)'],
      [{ endpoint: 'x' }, 's3Storage: unknown option `endpoint` (did you mean `endPoint`?)'],
      [{ acessKey: 'x', path_style: true }, 's3Storage: unknown options `acessKey` (did you mean `accessKey`?), `path_style` (did you mean `pathStyle`?)'],
      [{ sessionToken: 'x' }, 's3Storage: unknown option `sessionToken`'],
    ]
    for (const [extra, message] of cases) {
      let thrown: unknown
      try {
        s3Storage({ ...options(shared, { secretKey: 'very-secret-key-0042' }), ...extra } as S3StorageOptions)
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(extra)).toMatchObject({ code: 'STORAGE_INVALID', message })
      expect((thrown as { hint: string }).hint).toContain('`useSSL`')
      expect(inspect(thrown)).not.toContain('very-secret-key-0042')
    }
  })

})

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function s3CodeOf(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code
}
