// The minio client of one s3Storage, with a transport that lets a put's AbortSignal cancel the HTTP
// request in flight (the client has no per-call signal): calls made inside withSignal() carry it.
// The transport also bounds how long a request waits for the endpoint (requestTimeoutMs): the minio
// client has no timeout, so an endpoint that accepts connections but never answers (a hung server, a
// proxy whose upstream is gone) held a put, a stat or a list, and so a backup or its copy, forever.
// The limit is on silence before the answer begins; once an answer began, its reader may pause freely,
// and the endpoint may not: a body that goes silent while it is read fails (stall-timeout.ts), whether
// it is a download or XML the minio client reads whole (a list page, an error), named by naming().
// An answer that is a web page is refused (NOT_S3): a port that serves a web UI (MinIO's console, 9001,
// where its S3 API is on 9000) or a proxy's page answered 200 to everything, so a put failed as if the
// storage had changed the bytes, a stat or get returned the page as the object and a lifecycle rule
// seemed set.
// The minio package is loaded on first use, so that processes that never touch S3 (dumps, folder
// backups) do not carry it (about 20 MB of resident memory).
import { AsyncLocalStorage } from 'node:async_hooks'
import http from 'node:http'
import https from 'node:https'
import type { Client } from 'minio'
import { PgkeepError } from '../errors'
import { answerStalled } from './s3-errors'
import type { ResolvedS3Options } from './s3-options'
import { failWhenStalledOnceRead } from './stall-timeout'

export interface S3Client {
  /** The client, created (and minio loaded) on the first call. */
  ready(): Promise<Client>
  /** Runs `call` so that every request it makes is cancelled when `signal` fires. */
  withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T>
  /** Runs `call` so that an answer of its requests that stalls is said to be `what`'s: 'the download'. */
  naming<T>(what: string, call: () => Promise<T>): Promise<T>
}

/** What the requests made inside withSignal() and naming() carry. */
interface RequestContext {
  signal?: AbortSignal
  /** Whose answer stalled, for the message; by default 'the answer of the endpoint'. */
  what?: string
}

export function createS3Client(options: ResolvedS3Options): S3Client {
  const contexts = new AsyncLocalStorage<RequestContext>()
  const within = <T>(context: RequestContext, call: () => Promise<T>): Promise<T> =>
    contexts.run({ ...contexts.getStore(), ...context }, call)
  const protocol = options.useSSL ? https : http
  const transport = {
    request: ((requestOptions: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
      const { signal, what = 'the answer of the endpoint' } = contexts.getStore() ?? {}
      const timeoutMs = options.requestTimeoutMs
      const request = protocol.request(signal ? { ...requestOptions, signal } : requestOptions, (response) => {
        if (isWebPage(response)) {
          response.resume()
          request.destroy(notS3(response.statusCode))
          return
        }
        // the answer has begun: from now on, silence while its reader wants bytes is a stall
        failWhenStalledOnceRead(response, timeoutMs, () => answerStalled(what, timeoutMs))
        callback?.(response)
      })
      request.setTimeout(timeoutMs, () => request.destroy(timedOut(timeoutMs)))
      request.once('response', () => request.setTimeout(0))
      return request
    }) as typeof http.request,
  }
  let created: Promise<Client> | undefined
  const create = async (): Promise<Client> => {
    const { Client } = await import('minio')
    try {
      return new Client({
      endPoint: options.endPoint,
      ...(options.port !== undefined && { port: options.port }),
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      ...(options.region !== undefined && { region: options.region }),
      ...(options.pathStyle !== undefined && { pathStyle: options.pathStyle }),
      partSize: options.partSizeBytes,
      transport,
      })
    } catch (error) {
      // the client's own checks (endpoint, port); their messages hold no credential
      throw new PgkeepError('STORAGE_INVALID', `s3Storage: ${(error as Error).message}`, { cause: error })
    }
  }
  return {
    ready: () => (created ??= create()),
    withSignal: (signal, call) => (signal ? within({ signal }, call) : call()),
    naming: (what, call) => within({ what }, call),
  }
}

// --- internal ---

/** An HTML answer without the headers every S3 answer (x-amz-request-id) or object (ETag) has. */
function isWebPage(response: http.IncomingMessage): boolean {
  const type = String(response.headers['content-type'] ?? '').toLowerCase()
  return type.startsWith('text/html') && response.headers['x-amz-request-id'] === undefined && response.headers.etag === undefined
}

/** Said by s3Error() as STORAGE_UNREACHABLE: the S3 API is not at this endpoint. */
function notS3(status: number | undefined): Error {
  return Object.assign(new Error(`it answered with a web page (HTTP ${status}), not as an S3 API does`), { code: 'NOT_S3' })
}

/** A system-style error (code ETIMEDOUT), so that s3Error() says STORAGE_UNREACHABLE. */
function timedOut(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer from the endpoint within ${timeoutMs} ms (requestTimeoutMs)`), { code: 'ETIMEDOUT' })
}
