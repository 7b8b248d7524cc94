// Explains why one connection attempt failed, in libpq's words where it has them, with a hint for
// the common cases. Invariant: the reason is built from codes and server text, never from config
// values that could hold a secret (callers still scrub the passwords out, as a second guard).

import type { ConnectionTarget, ResolvedConnection } from './resolved-connection.js'
import { MissingPasswordError } from './resolved-connection.js'
import { socketFileName } from './socket-directory.js'

export interface FailureText {
  readonly reason: string
  readonly hint?: string
}

/** A server that answered but is not what target_session_attrs asks for. */
export class SessionMismatchError extends Error {
  override name = 'SessionMismatchError'
}

/** Errors raised before the server said anything: trying again with or without SSL cannot help. */
const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
])

export function isTransportFailure(error: unknown): boolean {
  return TRANSPORT_CODES.has(codeOf(error) ?? '') || messageOf(error) === 'timeout expired'
}

/** Where we tried to connect, as the hints say it. */
export function targetLabel(target: ConnectionTarget): string {
  if (target.socket) return `socket "${target.host}/${socketFileName(target.port)}"`
  const address = target.hostaddr !== undefined && target.host !== '' ? ` (address ${target.hostaddr})` : ''
  return `host "${target.host || target.hostaddr}"${address}, port ${target.port}`
}

export function describeFailure(error: unknown, target: ConnectionTarget, resolved: ResolvedConnection): FailureText {
  const where = targetLabel(target)
  const running = target.socket
    ? `is the server running locally and accepting connections on ${where}?`
    : `is the server running on host "${target.host || target.hostaddr}" and accepting tcp/ip connections on port ${target.port}?`
  if (error instanceof MissingPasswordError) {
    return { reason: error.message, hint: withNote('give the password in the connection string, PGPASSWORD or a password file (~/.pgpass, PGPASSFILE)', resolved) }
  }
  if (error instanceof SessionMismatchError) {
    return { reason: error.message, hint: `no server matched target_session_attrs=${resolved.targetSessionAttrs}` }
  }
  const sqlstate = sqlstateOf(error)
  if (sqlstate !== undefined) return serverFailure(sqlstate, messageOf(error), resolved)

  const code = codeOf(error)
  const message = messageOf(error)
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', hint: running }
    case 'ENOENT':
      return { reason: `no such ${where}`, hint: running }
    case 'EACCES':
      return { reason: `permission denied for ${where}`, hint: 'check the permissions of the socket directory' }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return { reason: `could not translate host name "${target.host}" to address`, hint: 'check the host name, or give a numeric address in hostaddr' }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { reason: `host is unreachable (${code.toLowerCase()})`, hint: 'check the host name and the network route to it' }
    case 'ETIMEDOUT':
      return { reason: 'connection timed out', hint: running }
  }
  if (message === 'timeout expired') {
    return {
      reason: `timeout expired after ${resolved.connectionTimeoutMillis / 1000} s`,
      hint: 'check the host, port and firewall, or raise connect_timeout',
    }
  }
  if (message === 'The server does not support SSL connections') {
    return { reason: 'server does not support ssl, but ssl was required', hint: 'use sslmode=prefer or sslmode=disable, or enable ssl on the server' }
  }
  if (message === 'There was an error establishing an SSL connection') {
    return { reason: 'the server refused to start ssl', hint: 'use sslmode=prefer or sslmode=disable, or check the server log' }
  }
  if (code !== undefined && /CERT|TLS|SSL|VERIFY|EPROTO/.test(code)) {
    return {
      reason: `ssl error: ${message}`,
      hint: 'check sslrootcert and the server certificate, or use sslmode=require to skip certificate verification',
    }
  }
  return { reason: message || String(error) }
}

function serverFailure(sqlstate: string, message: string, resolved: ResolvedConnection): FailureText {
  switch (sqlstate) {
    case '28P01': {
      const source = resolved.passwordSource === undefined ? 'check the password' : `check the password, which came from ${resolved.passwordSource}`
      return { reason: message, hint: withNote(source, resolved) }
    }
    case '28000':
      return {
        reason: message,
        hint: `check that role "${resolved.user}" exists and that pg_hba.conf lets it reach database "${resolved.database}" from here`,
      }
    case '3D000':
      return { reason: message, hint: `database "${resolved.database}" does not exist on the server; name an existing database with dbname or create it` }
    case '53300':
      return { reason: message, hint: 'the server has no free connection slots; retry later or raise max_connections' }
    case '57P03':
      return { reason: message, hint: 'the server is starting up or shutting down; retry shortly' }
    default:
      return { reason: message }
  }
}

function withNote(hint: string, resolved: ResolvedConnection): string {
  return resolved.passfileNote === undefined ? hint : `${hint} (${resolved.passfileNote})`
}

function sqlstateOf(error: unknown): string | undefined {
  const code = codeOf(error)
  const severity = error !== null && typeof error === 'object' ? (error as { severity?: unknown }).severity : undefined
  return code !== undefined && severity !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

function codeOf(error: unknown): string | undefined {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : ''
}
