// Starts a real S3 endpoint for tests: s3rver 3.7.1 (Koa, objects in a folder) on 127.0.0.1, in a child
// process, with s3rver's one account S3RVER/S3RVER. The child runs with --openssl-legacy-provider: s3rver
// encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 refuses (a truncated listing page
// answered 500). Two gaps are closed so that it behaves as S3 does: listings come in key order (UTF-8
// bytes; s3rver walks its folders and lists `a/b/c` before `a/b`, `a/b` before `a-b`), and SigV4 signatures
// are checked (s3rver only checks that the access key exists), so a wrong secret key is refused.
// A third gap: s3rver answers a PUT before the object's file is written (its putObject resolves when the
// request body was read, not when the file stream finished), so a HEAD right after a PUT could see a
// short or empty object under load; here a PUT is answered once the file holds every byte, as on S3.
// Left as they are (see README): abort multipart upload answers 405, list multipart uploads 501, a range of
// an empty object gets a broken 206, `bytes=0-0` gets the whole object, no ACLs.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface S3ServerOptions {
  /** TCP port on 127.0.0.1. @default a free port */
  port?: number
  /** Folder holding the buckets; kept by stop(). @default a temporary folder, removed by stop() */
  directory?: string
  /** Keep a log of every request, read with `requests()`. @default false */
  recordRequests?: boolean
  /** How long to wait for the endpoint to listen. @default 15_000 */
  startTimeoutMs?: number
}

/** What a test needs to reach the endpoint (also what globalSetup provides as `inject('s3')`). */
export interface S3Endpoint {
  endPoint: string
  port: number
  accessKey: string
  secretKey: string
  region: string
}

export interface S3Request {
  method: string
  /** `/bucket/key`, without the query. */
  path: string
  /** The raw query string, without `?`. */
  query: string
  /** The request's Range header (`bytes=0-99`), when it has one. */
  range?: string
  /** The status of the answer; absent while it is being handled (or when the server died first). */
  status?: number
  /** Body bytes the server wrote in its answer; absent while it is being handled. */
  bytesSent?: number
}

export interface S3Server extends S3Endpoint {
  directory: string
  /** Every request seen so far, oldest first (empty unless `recordRequests`). */
  requests(): Promise<S3Request[]>
  /** Kills the endpoint: the listener and every open connection go at once, as in a crash. */
  stop(): Promise<void>
}

/** The one account s3rver knows; any other key pair is refused. */
export const S3RVER_ACCESS_KEY = 'S3RVER'
export const S3RVER_SECRET_KEY = 'S3RVER'

/**
 * @example
 * const s3 = await startS3Server()
 * try { new Client({ endPoint: s3.endPoint, port: s3.port, useSSL: false, accessKey: s3.accessKey, ... }) }
 * finally { await s3.stop() }
 */
export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3Server> {
  const ownDirectory = opts.directory === undefined
  const directory = opts.directory ?? mkdtempSync(join(tmpdir(), 'pgkeep-s3rver-'))
  const config = {
    s3rver: require.resolve('s3rver'),
    port: opts.port ?? 0,
    directory,
    record: opts.recordRequests === true,
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
  }
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SOURCE, JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  const link = new ChildLink(child)
  let port: number
  try {
    port = await link.ready(opts.startTimeoutMs ?? 15_000)
  } catch (err) {
    child.kill('SIGKILL')
    if (ownDirectory) rmSync(directory, { recursive: true, force: true })
    throw new Error(`unable to start s3rver on 127.0.0.1:${config.port}: ${(err as Error).message}`, { cause: err })
  }
  let stopped: Promise<void> | undefined
  return {
    endPoint: '127.0.0.1',
    port,
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    region: 'us-east-1',
    directory,
    requests: () => link.requests(),
    stop: () =>
      (stopped ??= (async () => {
        await link.kill()
        if (ownDirectory) rmSync(directory, { recursive: true, force: true })
      })()),
  }
}

// --- internal ---

const require = createRequire(import.meta.url)

type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'request'; id: number; method: string; path: string; query: string; range?: string }
  | { type: 'status'; id: number; status: number; bytesSent: number }
  | { type: 'pong'; id: number }

/** The parent's side of the IPC channel: readiness, the request log, and a clean kill. */
class ChildLink {
  private readonly log = new Map<number, S3Request>()
  private readonly pongs = new Map<number, () => void>()
  private nextPing = 0
  private stderr = ''
  private readonly exited: Promise<void>
  private readyPort: ((port: number) => void) | undefined

  constructor(private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000)
    })
    child.on('message', (raw) => this.receive(raw as ChildMessage))
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
  }

  ready(timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      this.readyPort = (port) => {
        clearTimeout(timer)
        this.child.channel?.unref()
        this.child.unref()
        resolve(port)
      }
      void this.exited.then(() => {
        clearTimeout(timer)
        reject(new Error(`s3rver exited: ${this.stderr.trim() || `code ${this.child.exitCode}`}`))
      })
    })
  }

  /** A ping round trip first, so that every request the server saw before now is in the log. */
  async requests(): Promise<S3Request[]> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      const id = this.nextPing++
      const pong = new Promise<void>((resolve) => this.pongs.set(id, resolve))
      this.child.channel?.ref()
      try {
        this.child.send({ type: 'ping', id })
        await Promise.race([pong, this.exited])
      } finally {
        this.pongs.delete(id)
        this.child.channel?.unref()
      }
    }
    return [...this.log.values()].map((entry) => ({ ...entry }))
  }

  async kill(): Promise<void> {
    // The child is unref'd once ready; waiting for its exit with nothing else holding the event loop
    // would let node end the whole process with status 0 (a failed global setup would look green).
    this.child.ref()
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
  }

  private receive(message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        this.readyPort?.(message.port)
        break
      case 'request':
        this.log.set(message.id, { method: message.method, path: message.path, query: message.query, ...(message.range ? { range: message.range } : {}) })
        break
      case 'status': {
        const entry = this.log.get(message.id)
        if (entry) Object.assign(entry, { status: message.status, bytesSent: message.bytesSent })
        break
      }
      case 'pong':
        this.pongs.get(message.id)?.()
        break
    }
  }
}

/** Runs in the child (CommonJS, `node -e`); argv[1] is the JSON config. */
const CHILD_SOURCE = String.raw`
'use strict'
const config = JSON.parse(process.argv[1])
const S3rver = require(config.s3rver)
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { Readable, Transform } = require('node:stream')
const { pipeline } = require('node:stream/promises')
// putObject that resolves once the file is complete (s3rver's resolves before its write stream finished)
const FilesystemStore = require(path.join(path.dirname(config.s3rver), 'stores', 'filesystem.js'))
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object')
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true })
  const md5 = crypto.createHash('md5')
  let size = 0
  const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content
  await pipeline(content, new Transform({
    transform(chunk, encoding, callback) {
      md5.update(chunk)
      size += chunk.length
      callback(null, chunk)
    },
  }), fs.createWriteStream(objectPath))
  const digest = md5.digest('hex')
  await this.putMetadata(object.bucket, object.key, object.metadata, digest)
  return { size, md5: digest }
}
const server = new S3rver({ address: '127.0.0.1', port: config.port, silent: true, directory: config.directory, configureBuckets: [] })
// s3rver checks only that the access key exists ("Signature version 4 calculation is unimplemented"):
// check AWS SigV4 signatures (Authorization header and presigned query) against the one secret it knows
const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest()
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex')
function expectedSignature(ctx, credential, signedHeaders, amzDate, payloadHash, dropQuery) {
  const query = ctx.querystring.split('&').filter((p) => p !== '' && !p.startsWith(dropQuery + '='))
    .map((p) => (p.includes('=') ? p : p + '=')).sort().join('&')
  const headers = signedHeaders.split(';').map((name) => name + ':' + String(ctx.get(name)).trim().replace(/ +/g, ' '))
  const request = [ctx.method, ctx.req.url.split('?')[0], query, headers.join('\n') + '\n', signedHeaders, payloadHash].join('\n')
  const scope = credential.split('/').slice(1)
  const key = scope.slice(0, 4).reduce((k, part) => hmac(k, part), 'AWS4' + config.secretKey)
  return hmac(key, ['AWS4-HMAC-SHA256', amzDate, scope.join('/'), sha256(request)].join('\n')).toString('hex')
}
server.middleware.unshift(async (ctx, next) => {
  const header = /^AWS4-HMAC-SHA256 Credential=([^,]+), *SignedHeaders=([^,]+), *Signature=([0-9a-f]+)$/.exec(ctx.get('authorization'))
  let check
  if (header) {
    check = [header[3], expectedSignature(ctx, header[1], header[2], ctx.get('x-amz-date'), ctx.get('x-amz-content-sha256'), '')]
  } else if (ctx.query['X-Amz-Algorithm'] === 'AWS4-HMAC-SHA256' && ctx.query['X-Amz-Credential'] && ctx.query['X-Amz-SignedHeaders']) {
    check = [String(ctx.query['X-Amz-Signature']), expectedSignature(ctx, ctx.query['X-Amz-Credential'], ctx.query['X-Amz-SignedHeaders'], ctx.query['X-Amz-Date'], 'UNSIGNED-PAYLOAD', 'X-Amz-Signature')]
  }
  const accessKey = header ? header[1].split('/')[0] : String(ctx.query['X-Amz-Credential'] || '').split('/')[0]
  // an unknown access key is s3rver's own InvalidAccessKeyId
  if (check && accessKey === config.accessKey && check[0] !== check[1]) {
    ctx.status = 403
    ctx.type = 'application/xml'
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we ' +
      'calculated does not match the signature you provided. Check your key and signing method.</Message></Error>'
    return
  }
  await next()
})
let nextId = 0
if (config.record) {
  server.middleware.unshift(async (ctx, next) => {
    const id = nextId++
    process.send({ type: 'request', id, method: ctx.method, path: ctx.path, query: ctx.querystring, range: ctx.get('range') || undefined })
    // count the body bytes as they are written (the log's own measure, not the Content-Length header)
    let bytesSent = 0
    const count = (chunk, encoding) => {
      if (chunk && typeof chunk !== 'function') bytesSent += Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8')
    }
    const write = ctx.res.write
    const end = ctx.res.end
    ctx.res.write = function (chunk, encoding, cb) { count(chunk, encoding); return write.call(this, chunk, encoding, cb) }
    ctx.res.end = function (chunk, encoding, cb) { count(chunk, encoding); return end.call(this, chunk, encoding, cb) }
    ctx.res.once('finish', () => process.send({ type: 'status', id, status: ctx.res.statusCode, bytesSent }))
    await next()
  })
}
// S3 lists keys in the byte order of their UTF-8; s3rver yields them in the order it walks its folders
const byBytes = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
const walkInFolderOrder = server.store.listObjects.bind(server.store)
server.store.listObjects = async (bucket, options) => {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options
  const all = await walkInFolderOrder(bucket, { prefix })
  const objects = []
  const commonPrefixes = new Set()
  let isTruncated = false
  for (const object of all.objects.sort((a, b) => byBytes(a.key, b.key))) {
    if (startAfter && byBytes(object.key, startAfter) <= 0) continue
    const cut = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1
    if (cut !== -1) {
      commonPrefixes.add(object.key.slice(0, cut + delimiter.length))
      continue
    }
    if (objects.length === maxKeys) {
      isTruncated = true
      break
    }
    objects.push(object)
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(byBytes), isTruncated }
}
process.on('message', (message) => {
  if (message.type === 'ping') process.send({ type: 'pong', id: message.id })
})
process.on('disconnect', () => process.exit(0))
server.run().then(
  (address) => process.send({ type: 'ready', port: address.port }),
  (err) => {
    process.stderr.write(String(err && err.stack || err))
    process.exit(1)
  },
)
`
