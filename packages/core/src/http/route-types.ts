// The shapes of the framework-free route table: what a route is (method, path, action, validation,
// handler), what an adapter hands it (RouteRequest) and what it answers (RouteResult). An adapter
// (Nuxt/h3, Express) only translates its request into a RouteRequest and writes the RouteResult back.
import type { Readable } from 'node:stream'
import type * as z from 'zod/mini'
import type { BackupManager } from '../manager'
import type { ResolvedHttpConfig } from './http-config'

/** What a caller asks to do; the host's authorizer decides per action. */
export const BACKUP_ACTIONS = ['backup', 'history', 'download', 'cleanup', 'verify', 'remove', 'pin', 'restore', 'metrics', 'events', 'compare'] as const
export type BackupAction = (typeof BACKUP_ACTIONS)[number]

export type HttpMethod = 'GET' | 'POST' | 'DELETE'

/** A request as the adapter sees it, reduced to what the routes read. */
export interface RouteRequest {
  method: string
  /** The path below the prefix, e.g. `/history` or `/0b7c…/verify` (no query string). */
  path: string
  /** Query parameters (the first value of each). */
  query: Record<string, string | undefined>
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>
  /** The parsed JSON body, or undefined when there was none. */
  body?: unknown
  /**
   * Why the body could not be read (not JSON, too large): answered after authorization, as 400 (413 with
   * `bodyTooLarge`; 400 naming the content type when it was not sent as application/json).
   */
  bodyError?: string
  /** The body was over the size limit (MAX_JSON_BODY_BYTES): 413 SIZE_LIMIT_EXCEEDED. */
  bodyTooLarge?: boolean
  /** Aborted when the client goes away. */
  signal: AbortSignal
}

export type Headers = Record<string, string>

/** What a route answers, for the adapter to write. */
export type RouteResult =
  | { kind: 'json'; status: number; headers: Headers; json: unknown }
  | { kind: 'text'; status: number; headers: Headers; text: string }
  /** A body streamed with backpressure; the adapter destroys `stream` when the client goes away. */
  | { kind: 'stream'; status: number; headers: Headers; stream: Readable }
  /** Server-sent events: write `stream` as it comes (no buffering, no compression); it ends when the request's signal aborts, or is destroyed when its viewer falls too far behind. */
  | { kind: 'sse'; status: number; headers: Headers; stream: Readable }

/** The error body every refusal and failure answers with: no stack, no connection string, no secret. */
export interface ErrorBody {
  statusCode: number
  message: string
  code: string
}

export interface RouteInput<P, Q, B> {
  params: P
  query: Q
  body: B
  /** Who asks, as the authorizer said (null for a metrics token or a download token without one). */
  actor: string | number | null
  request: RouteRequest
  manager: BackupManager
  config: ResolvedHttpConfig
  /** Masks the app's secrets (database URL, S3 keys, passphrases) out of a text before it is sent. */
  scrub: (text: string) => string
}

/**
 * How a route is let in: `authorizer` (the host's authorizer for the route's action), `metrics` (the
 * bearer token from config, else the authorizer), `token` (a signed download token in `?token=`).
 */
export type RouteAuth = 'authorizer' | 'metrics' | 'token'

export interface RouteDefinition<P = any, Q = any, B = any> {
  /** A stable name, e.g. `backup.create`. */
  name: string
  method: HttpMethod
  /** Relative to the prefix; `:id` segments are parameters. */
  path: string
  action: BackupAction
  auth: RouteAuth
  params?: z.core.$ZodType<P>
  query?: z.core.$ZodType<Q>
  body?: z.core.$ZodType<B>
  /**
   * The route reads stored backups (by id, or all of them for cleanup): once let in and validated, it is
   * refused with STORAGE_NOT_FOUND (404) naming the bucket or folder when that does not exist, before the
   * manager is asked. Asked first because the manager's audit event of the refusal it would meet (no
   * such backup) is written to the storage, which makes the bucket or folder. The history route asks
   * only when its list came back empty.
   */
  readsBackups?: boolean
  /** When false, the route answers 404 as if it did not exist (restore without allowRestore). */
  enabled?: (config: ResolvedHttpConfig) => boolean
  handle(input: RouteInput<P, Q, B>): Promise<RouteResult>
}
