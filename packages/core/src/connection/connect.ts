// Opens a dedicated pg.Client for a resolved connection: tries each host in order, with libpq's
// SSL fallbacks for allow/prefer and its target_session_attrs check, and fails with CONNECT_FAILED.
// Invariant: no password in any message; a connected client never crashes the process on a socket error.

import pg from 'pg'
import { PgkeepError } from '../errors.js'
import { describeFailure, isTransportFailure, SessionMismatchError, targetLabel } from './connect-failure.js'
import { scrubSecrets } from './redact.js'
import type { ConnectionTarget, ResolvedConnection, TargetSessionAttrs } from './resolved-connection.js'
import { sessionMismatch } from './session-attrs.js'

export interface ConnectOptions {
  /**
   * Sent as fallback_application_name: used when neither the connection nor PGAPPNAME sets
   * application_name (pg_dump does the same with "pg_dump").
   */
  applicationName?: string
  /**
   * Cancels the attempt: a server that accepted the connection but does not answer (a wrong port, a
   * stalled proxy) or a host that drops the packets would otherwise hold it until connect_timeout, which
   * is unset by default, as libpq's. The socket is closed and connect() rejects with ABORTED.
   */
  signal?: AbortSignal
}

interface Failure {
  readonly target: ConnectionTarget
  readonly error: unknown
  readonly ssl: boolean
}

const idleErrors = new WeakMap<pg.Client, Error>()

/** node-postgres's error when the server answers an SSLRequest with 'N'. */
const NO_SSL_MESSAGE = 'The server does not support SSL connections'

/**
 * Targets (by index) whose server answered sslmode=prefer's SSL request with "no", per resolved
 * connection. libpq goes on without SSL on the same socket; node-postgres closes it, so the first
 * session pays a second connection. The sessions opened after it (a dump's workers and aside session,
 * a restore's jobs) start without SSL there, as libpq's would end up.
 */
const refusedSsl = new WeakMap<ResolvedConnection, Set<number>>()

/**
 * The first error a client connected by connect() emitted outside a query (the server ended the
 * session, the network dropped), or undefined. Such errors are caught so they cannot crash the
 * process; the client is unusable afterwards and the next query on it fails.
 */
export function idleErrorOf(client: pg.Client): Error | undefined {
  return idleErrors.get(client)
}

export async function connect(resolved: ResolvedConnection, opts: ConnectOptions = {}): Promise<pg.Client> {
  const failures: Failure[] = []
  const wantedPasses: TargetSessionAttrs[] =
    resolved.targetSessionAttrs === 'prefer-standby' ? ['standby', 'any'] : [resolved.targetSessionAttrs]
  // A client whose attempt the caller gave up: closed, and the error said instead of a connection failure.
  const cancelled = (client: pg.Client): PgkeepError => {
    client.end().catch(() => {})
    return cancelledConnect(resolved, opts.signal!)
  }
  for (const wanted of wantedPasses) {
    for (const [index, target] of resolved.targets.entries()) {
      const attempts = resolved.sslAttempts(index)
      const known = resolved.sslmode === 'prefer' && refusedSsl.get(resolved)?.has(index) === true
      for (const ssl of known ? attempts.filter((a) => !a) : attempts) {
        // between attempts too: the next host or SSL setting is not tried once the caller gave up
        if (opts.signal?.aborted) throw cancelledConnect(resolved, opts.signal)
        const client = new pg.Client(resolved.toClientConfig(index, ssl, opts.applicationName))
        client.on('error', (error: Error) => {
          if (!idleErrors.has(client)) idleErrors.set(client, error)
        })
        try {
          await connectAbortably(client, opts.signal)
        } catch (error) {
          if (opts.signal?.aborted) throw cancelled(client)
          failures.push({ target, error, ssl })
          client.end().catch(() => {})
          if (ssl && resolved.sslmode === 'prefer' && (error as Error | undefined)?.message === NO_SSL_MESSAGE) {
            refusedSsl.set(resolved, (refusedSsl.get(resolved) ?? new Set()).add(index))
          }
          // Unreachable is unreachable with or without SSL; anything later may differ (as libpq).
          if (isTransportFailure(error)) break
          continue
        }
        let mismatch: string | undefined
        try {
          mismatch = await sessionMismatch(client, wanted)
        } catch (error) {
          if (opts.signal?.aborted) throw cancelled(client)
          failures.push({ target, error, ssl })
          client.end().catch(() => {})
          break
        }
        // No client goes back to a caller that gave up while the session was being checked.
        if (opts.signal?.aborted) throw cancelled(client)
        if (mismatch === undefined) return client
        failures.push({ target, error: new SessionMismatchError(mismatch), ssl })
        await client.end().catch(() => {})
        break
      }
    }
  }
  throw connectFailed(resolved, failures)
}

/**
 * client.connect(), given up when `signal` aborts: the socket is destroyed, as node-postgres's own
 * connect timeout does (its end() would send Terminate and wait for a server that may never close).
 */
async function connectAbortably(client: pg.Client, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) {
    await client.connect()
    return
  }
  const giveUp = () => {
    const connection = (client as unknown as { connection?: { _ending?: boolean; stream?: { destroy(error?: Error): void } } }).connection
    if (connection?.stream) {
      connection._ending = true
      connection.stream.destroy(new Error('connection attempt cancelled'))
    } else {
      client.end().catch(() => {})
    }
  }
  signal.addEventListener('abort', giveUp, { once: true })
  try {
    await client.connect()
  } finally {
    signal.removeEventListener('abort', giveUp)
  }
}

function cancelledConnect(resolved: ResolvedConnection, signal: AbortSignal): PgkeepError {
  return new PgkeepError('ABORTED', scrubSecrets(`the connection to ${resolved.describe()} was cancelled`, resolved.secrets()), { cause: signal.reason })
}

function connectFailed(resolved: ResolvedConnection, failures: readonly Failure[]): PgkeepError {
  const secrets = resolved.secrets()
  const byTarget = new Map<ConnectionTarget, Failure[]>()
  for (const failure of failures) byTarget.set(failure.target, [...(byTarget.get(failure.target) ?? []), failure])
  let hint: string | undefined
  const reasons = [...byTarget.entries()].map(([target, list]) => {
    // Under sslmode=prefer a server without SSL is expected, not a failure: libpq says nothing of it.
    const relevant = resolved.sslmode === 'prefer' && list.length > 1
      ? list.filter((f) => !(f.ssl && (f.error as Error | undefined)?.message === NO_SSL_MESSAGE))
      : list
    const texts = (relevant.length > 0 ? relevant : list).map((f) => ({ ...describeFailure(f.error, target, resolved), ssl: f.ssl }))
    hint = texts.findLast((t) => t.hint !== undefined)?.hint ?? hint
    const last = texts.at(-1)!
    const first = texts[0]!
    const reason =
      texts.length > 1 && first.reason !== last.reason
        ? `${first.reason}; ${first.ssl === last.ssl ? 'then' : `retried ${last.ssl ? 'with' : 'without'} ssl`}: ${last.reason}`
        : last.reason
    return byTarget.size > 1 ? `${targetLabel(target)}: ${reason}` : reason
  })
  const errors = failures.map((f) => f.error)
  const cause = errors.length === 1 ? errors[0] : new AggregateError(errors, 'every connection attempt failed')
  const message = scrubSecrets(`unable to connect to ${resolved.describe()}: ${reasons.join('; ')}`, secrets)
  return new PgkeepError('CONNECT_FAILED', message, hint === undefined ? { cause } : { cause, hint: scrubSecrets(hint, secrets) })
}
