// A download from s3Storage whose answer began and then went silent: a loopback server that sends the
// headers of an object and some of its bytes, then nothing. Before, requestTimeoutMs stopped at the
// answer's start and such a read waited forever (a restore or a download from cron that never ended).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, inject, it } from 'vitest'
import type { PgkeepError } from '../../src/errors'
import { s3Storage } from '../../src/index'
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server'
import { bytes, readAll } from './helpers'

const shared = inject('s3')
const SIZE = 100_000

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

/** Answers every GET as an S3 object of SIZE bytes (206 for a Range), handing the body to `send`. */
async function objectServer(send: (response: ServerResponse, body: Buffer) => void): Promise<LoopbackServer> {
  const data = bytes(SIZE)
  const server = await startLoopbackServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume()
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''))
    const first = range ? Number(range[1]) : 0
    const last = range && range[2] !== '' ? Math.min(Number(range[2]), SIZE - 1) : SIZE - 1
    response.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(last - first + 1),
      etag: '"0123456789abcdef0123456789abcdef"',
      'x-amz-request-id': 'stall-test',
      ...(range ? { 'content-range': `bytes ${first}-${last}/${SIZE}` } : {}),
    })
    response.flushHeaders()
    send(response, data.subarray(first, last + 1))
  })
  servers.push(server)
  return server
}

function driverAt(port: number, requestTimeoutMs: number) {
  const { endPoint, accessKey, secretKey, region } = shared
  return s3Storage({ endPoint, port, accessKey, secretKey, region, useSSL: false, pathStyle: true, bucket: 'stalled-downloads', requestTimeoutMs })
}

/** The read's failure, or 'hung' when it neither failed nor ended within `ms`. */
async function readOutcome(stream: NodeJS.ReadableStream, ms: number): Promise<PgkeepError | Buffer | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), ms) })
  try {
    return await Promise.race([readAll(stream).catch((error: unknown) => error as PgkeepError), hung])
  } finally {
    clearTimeout(timer)
  }
}

describe('s3Storage get() of an answer that goes silent', () => {
  it('fails with STORAGE_UNREACHABLE after requestTimeoutMs without a byte, whole or ranged, and closes the connection; a slow trickle is no stall', async () => {
    // a body that trickles for longer than the timeout in all, never pausing that long, is read whole
    const trickle = await objectServer((response, body) => {
      let at = 0
      const next = () => {
        if (response.destroyed) return
        response.write(body.subarray(at, (at += 10_000)))
        if (at >= body.length) response.end()
        else setTimeout(next, 100)
      }
      next()
    })
    const slow = await readOutcome(await driverAt(trickle.port, 300).get('slow.sql.gz'), 10_000)
    expect(Buffer.isBuffer(slow) && slow.equals(bytes(SIZE))).toBe(true)

    const silent = await objectServer((response, body) => response.write(body.subarray(0, 1_000)))
    const driver = driverAt(silent.port, 300)
    for (const [key, range] of [['whole.sql.gz', undefined], ['ranged.sql.gz', { start: 500 }]] as const) {
      const closedBefore = silent.closed()
      const startedAt = Date.now()
      const outcome = await readOutcome(await driver.get(key, range), 5_000)
      expect(outcome, key).not.toBe('hung')
      const error = outcome as PgkeepError
      expect(error.code).toBe('STORAGE_UNREACHABLE')
      expect(error.message).toBe(`unable to read "${key}" in bucket "stalled-downloads" at 127.0.0.1:${silent.port}: the download stalled: no bytes came from the endpoint for 300 ms (requestTimeoutMs)`)
      expect(error.hint).toMatch(/requestTimeoutMs/)
      expect((error.cause as { code?: string }).code).toBe('STALLED')
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250)
      expect(Date.now() - startedAt).toBeLessThan(3_000)
      // the socket is destroyed, not left open for a keep-alive pool
      await expect.poll(() => silent.closed(), { timeout: 2_000 }).toBe(closedBefore + 1)
    }
  })
})
