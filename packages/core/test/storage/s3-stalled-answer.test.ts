// Answers that s3Storage reads whole (a list page, an error's XML, a bucket's lifecycle rules) and that
// begin and then go silent: a loopback server sends the headers and part of the XML, then nothing.
// Before, requestTimeoutMs stopped at the answer's start and only downloads had an idle limit, so such a
// list held `pgkeep list`, the settings card's history and cleanup forever.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, inject, it } from 'vitest'
import type { PgkeepError } from '../../src/errors'
import { s3Storage } from '../../src/index'
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server'
import { collect } from './helpers'

const shared = inject('s3')
const BUCKET = 'stalled-answers'

interface Answer {
  status: number
  xml: string
  /** Sends the XML's bytes; by default the first 200, then nothing. */
  send?: (response: ServerResponse, xml: Buffer) => void
}

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

/** Answers a HEAD with 200 and every other request with `answer(request)`: headers at once, then the body as `send` says. */
async function xmlServer(answer: (request: IncomingMessage) => Answer): Promise<LoopbackServer> {
  const server = await startLoopbackServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume()
    if (request.method === 'HEAD') {
      response.writeHead(200, { 'x-amz-request-id': 'stall-test' }).end()
      return
    }
    const { status, xml, send = (res, body) => res.write(body.subarray(0, 200)) } = answer(request)
    const body = Buffer.from(xml)
    response.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(body.length), 'x-amz-request-id': 'stall-test' })
    response.flushHeaders()
    send(response, body)
  })
  servers.push(server)
  return server
}

function driverAt(port: number, requestTimeoutMs: number) {
  const { endPoint, accessKey, secretKey, region } = shared
  return s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket: BUCKET, requestTimeoutMs })
}

/** The call's failure, its result, or 'hung' when it neither failed nor ended within `ms`. */
async function outcome<T>(call: Promise<T>, ms: number): Promise<PgkeepError | T | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), ms) })
  try {
    return await Promise.race([call.catch((error: unknown) => error as PgkeepError), hung])
  } finally {
    clearTimeout(timer)
  }
}

function listPage(count: number): string {
  const contents = Array.from({ length: count }, (_, i) =>
    `<Contents><Key>${`backups/b${String(i).padStart(4, '0')}.sql.gz`}</Key><LastModified>2026-12-01T10:00:00.000Z</LastModified>` +
    `<ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>${1000 + i}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('')
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${BUCKET}</Name><Prefix>backups/</Prefix><KeyCount>${count}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
    `${contents}</ListBucketResult>`
}

/** Expects the stall error of `what`, the endpoint's connection closed, and a wait of about 300 ms. */
async function expectStalled(server: LoopbackServer, call: () => Promise<unknown>, message: string): Promise<void> {
  const closedBefore = server.closed()
  const startedAt = Date.now()
  const result = await outcome(call(), 5_000)
  expect(result, message).not.toBe('hung')
  const error = result as PgkeepError
  expect(error.code).toBe('STORAGE_UNREACHABLE')
  expect(error.message).toBe(message)
  expect(error.hint).toMatch(/requestTimeoutMs/)
  expect((error.cause as { code?: string }).code).toBe('STALLED')
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250)
  expect(Date.now() - startedAt).toBeLessThan(3_000)
  // the socket is destroyed, not left open for a keep-alive pool
  await expect.poll(() => server.closed(), { timeout: 2_000 }).toBeGreaterThan(closedBefore)
}

describe('s3Storage answers read whole that go silent', () => {
  it('a list page that trickles, never pausing for requestTimeoutMs, is read whole', async () => {
    const trickle = await xmlServer(() => ({
      status: 200,
      xml: listPage(40),
      send: (response, body) => {
        let at = 0
        const next = () => {
          if (response.destroyed) return
          response.write(body.subarray(at, (at += 1_000)))
          if (at >= body.length) response.end()
          else setTimeout(next, 100)
        }
        next()
      },
    }))
    const listed = await outcome(collect(driverAt(trickle.port, 300).list('backups/')), 20_000)
    expect(listed).not.toBe('hung')
    expect((listed as { key: string }[]).map((o) => o.key)).toHaveLength(40)
  })

  it('a list page that goes silent fails with STORAGE_UNREACHABLE after requestTimeoutMs, naming the listing', async () => {
    const silent = await xmlServer(() => ({ status: 200, xml: listPage(40) }))
    await expectStalled(silent, () => collect(driverAt(silent.port, 300).list('backups/')),
      `unable to list "backups/" in bucket "${BUCKET}" at 127.0.0.1:${silent.port}: the listing of bucket "${BUCKET}" stalled: no bytes came from the endpoint for 300 ms (requestTimeoutMs)`)
  })

  it('an error answer whose XML goes silent fails the same way, not as the error it began to say', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.${' '.repeat(400)}</Message>` +
      `<BucketName>${BUCKET}</BucketName><RequestId>stall-test</RequestId></Error>`
    const silent = await xmlServer(() => ({ status: 403, xml }))
    await expectStalled(silent, () => collect(driverAt(silent.port, 300).list('backups/')),
      `unable to list "backups/" in bucket "${BUCKET}" at 127.0.0.1:${silent.port}: the listing of bucket "${BUCKET}" stalled: no bytes came from the endpoint for 300 ms (requestTimeoutMs)`)
  })

  it('the lifecycle rules of the bucket going silent fail setLifecycleRule() after requestTimeoutMs', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration>${'<Rule><ID>other</ID><Status>Enabled</Status>' +
      '<Filter><Prefix>other/</Prefix></Filter><Expiration><Days>30</Days></Expiration></Rule>'.repeat(5)}</LifecycleConfiguration>`
    const silent = await xmlServer(() => ({ status: 200, xml }))
    await expectStalled(silent, () => driverAt(silent.port, 300).setLifecycleRule!('backups/', { abortIncompleteUploadsAfterDays: 1, expireAfterDays: 7 }),
      `unable to set the lifecycle rule of "backups/" in bucket "${BUCKET}": the answer of the endpoint stalled: no bytes came from the endpoint for 300 ms (requestTimeoutMs)`)
  })
})
