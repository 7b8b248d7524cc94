// Every access to h3 v1's Node request and response (`event.node.*`) in one file, so that an h3 v2
// port changes only this. The work is core's Node binding (nodeRouteRequest / writeRouteResult, shared
// with the Express adapter): the JSON body read with a size limit, an AbortSignal for the client going
// away, streams written through stream.pipeline (backpressure; the source destroyed on disconnect).
import type { H3Event } from 'h3'
import { nodeRouteRequest, writeRouteResult, type RouteRequest, type RouteResult } from '@pgkeep/core'

/** The request below `prefix` (a body that is not JSON is `bodyError`, answered 400 after authorization). */
export function toRouteRequest(event: H3Event, prefix: string): Promise<RouteRequest> {
  const pathname = event.path.split('?')[0] ?? ''
  const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname
  return nodeRouteRequest(event.node.req, event.node.res, { path })
}

/** Writes the route's answer; resolves when it is sent (or the client went away). */
export function sendRouteResult(event: H3Event, result: RouteResult): Promise<void> {
  return writeRouteResult(event.node.res, result)
}
