// Every access to h3 v1's Node request and response (`event.node.*`) in one file, so that an h3 v2
// port changes only this: the request as core's RouteRequest (JSON body read with a size limit, an
// AbortSignal for the client going away) and core's RouteResult written back, streams through
// stream.pipeline (backpressure; the source is destroyed when the client disconnects).
import { pipeline } from 'node:stream/promises'
import type { H3Event } from 'h3'
import { getQuery, getRequestHeaders } from 'h3'
import type { RouteRequest, RouteResult } from '@pgkeep/core'

/** JSON bodies larger than this are refused (the routes take a few fields at most). */
const MAX_BODY_BYTES = 64 * 1024

/** The request below `prefix`; the body is parsed JSON (or why it is not, for core to answer 400 after authorization). */
export async function toRouteRequest(event: H3Event, prefix: string): Promise<RouteRequest> {
  const { req, res } = event.node
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const pathname = event.path.split('?')[0] ?? ''
  const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname
  const query: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(getQuery(event))) {
    const first = Array.isArray(value) ? value[0] : value
    if (first !== undefined && first !== null) query[key] = String(first)
  }
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(getRequestHeaders(event))) headers[key.toLowerCase()] = value
  const method = (req.method ?? 'GET').toUpperCase()
  const read = method === 'GET' || method === 'HEAD' ? {} : await readJsonBody(event)
  return { method, path, query, headers, ...read, signal: controller.signal }
}

/** Writes the route's answer; resolves when it is sent (or the client went away). */
export async function sendRouteResult(event: H3Event, result: RouteResult): Promise<void> {
  const { res } = event.node
  res.statusCode = result.status
  for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
  if (result.kind === 'json' || result.kind === 'text') {
    const text = result.kind === 'json' ? JSON.stringify(result.json) : result.text
    if (result.kind === 'json') res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end(text)
    return
  }
  if (result.kind === 'sse') res.flushHeaders()
  try {
    // pipeline() waits for the client (backpressure) and destroys the source if the response closes early.
    await pipeline(result.stream, res)
  } catch {
    // The client went away or the source failed mid-way: the response is cut short (its length
    // then disagrees with Content-Length); nothing more can be sent.
    if (!res.destroyed) res.destroy()
  }
}

async function readJsonBody(event: H3Event): Promise<{ body?: unknown; bodyError?: string }> {
  const { req } = event.node
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    // Read on to the end (so the connection stays usable) but keep nothing past the limit.
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
  }
  if (size > MAX_BODY_BYTES) return { bodyError: `larger than ${MAX_BODY_BYTES} bytes` }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  try {
    return { body: JSON.parse(text) as unknown }
  } catch {
    return { bodyError: 'not valid JSON' }
  }
}
