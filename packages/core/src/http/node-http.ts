// The route table over Node's own http objects (IncomingMessage, ServerResponse), which every Node web
// framework hands out underneath (h3's event.node, Express's req/res): the request as a RouteRequest
// (an already parsed JSON body taken as is, else read with a size limit; an AbortSignal for the client
// going away) and a RouteResult written back, streams through stream.pipeline (backpressure; the source
// is destroyed when the client disconnects). No web framework is imported.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream/promises'
import type { RouteRequest, RouteResult } from './route-types'

/** JSON bodies larger than this are refused (the routes take a few fields at most). */
export const MAX_JSON_BODY_BYTES = 64 * 1024

export interface NodeRequestOptions {
  /** The path below the routes' prefix, e.g. `/history` (the adapter knows where it is mounted). */
  path: string
  /** A body the framework already parsed (express.json()); left out, the raw request is read. */
  parsedBody?: { body: unknown }
}

/**
 * The request as the route table reads it. A body that is not JSON (or too large: `bodyTooLarge`) is
 * `bodyError`, answered after authorization (400, or 413 when too large).
 */
export async function nodeRouteRequest(req: IncomingMessage, res: ServerResponse, o: NodeRequestOptions): Promise<RouteRequest> {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const url = new URL(req.url ?? '/', 'http://localhost')
  const query: Record<string, string | undefined> = {}
  for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(req.headers)) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  const method = (req.method ?? 'GET').toUpperCase()
  const request: RouteRequest = { method, path: o.path, query, headers, signal: controller.signal }
  if (method === 'GET' || method === 'HEAD') return request
  if (o.parsedBody) return { ...request, body: o.parsedBody.body }
  try {
    return { ...request, body: await readJsonBody(req) }
  } catch (error) {
    if (!(error instanceof BodyError)) throw error
    return { ...request, bodyError: error.message, ...(error.tooLarge ? { bodyTooLarge: true } : {}) }
  }
}

/** Writes the route's answer; resolves when it is sent or the client went away. */
export async function writeRouteResult(res: ServerResponse, result: RouteResult): Promise<void> {
  res.statusCode = result.status
  for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
  if (result.kind === 'json' || result.kind === 'text') {
    if (result.kind === 'json') res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end(result.kind === 'json' ? JSON.stringify(result.json) : result.text)
    return
  }
  if (result.kind === 'sse') res.flushHeaders()
  try {
    // pipeline() waits for the client (backpressure) and destroys the source if the response closes early.
    await pipeline(result.stream, res)
  } catch {
    // The client went away or the source failed mid-way: the answer is cut short (its length then
    // disagrees with Content-Length, so the client sees it incomplete); nothing more can be sent.
    if (!res.destroyed) res.destroy()
  }
}

// --- internal ---

class BodyError extends Error {
  constructor(message: string, readonly tooLarge = false) {
    super(message)
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_JSON_BODY_BYTES) {
      // the rest is read and dropped, so that the answer (413) reaches a client still sending
      req.resume()
      throw new BodyError(`larger than ${MAX_JSON_BODY_BYTES} bytes`, true)
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new BodyError('not valid JSON')
  }
}
