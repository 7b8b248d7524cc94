// How connection failures are explained: reasons and hints per error kind, without a server.
import { describe, expect, it } from 'vitest'
import { resolveConnection } from '../../src/connection/index.js'
import { describeFailure, isTransportFailure, SessionMismatchError } from '../../src/connection/connect-failure.js'
import { MissingPasswordError } from '../../src/connection/resolved-connection.js'
import { memoryFs, socket } from './memory-fs.js'

const HOME = '/home/alice'
const files = { '/var/run/postgresql/.s.PGSQL.5432': socket }
const resolve = (input: string, extra: Record<string, { content: string; mode: number }> = {}) =>
  resolveConnection(input, {}, { osUser: () => 'alice', homeDir: HOME, fs: memoryFs({ ...files, ...extra }) })

const serverError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' })
const systemError = (code: string) => Object.assign(new Error(`connect ${code}`), { code })

describe('describeFailure', () => {
  const tcp = resolve('postgresql://db.example.com:6000/app?connect_timeout=7')
  const local = resolve('postgresql:///app')

  it('connection refused over tcp and on a socket', () => {
    expect(describeFailure(systemError('ECONNREFUSED'), tcp.targets[0]!, tcp)).toEqual({
      reason: 'connection refused',
      hint: 'is the server running on host "db.example.com" and accepting tcp/ip connections on port 6000?',
    })
    expect(describeFailure(systemError('ENOENT'), local.targets[0]!, local)).toEqual({
      reason: 'no such socket "/var/run/postgresql/.s.PGSQL.5432"',
      hint: 'is the server running locally and accepting connections on socket "/var/run/postgresql/.s.PGSQL.5432"?',
    })
  })

  it('name resolution, timeouts, ssl refusal', () => {
    expect(describeFailure(systemError('ENOTFOUND'), tcp.targets[0]!, tcp).reason).toBe(
      'could not translate host name "db.example.com" to address',
    )
    expect(describeFailure(new Error('timeout expired'), tcp.targets[0]!, tcp).reason).toBe('timeout expired after 7 s')
    expect(describeFailure(new Error('The server does not support SSL connections'), tcp.targets[0]!, tcp)).toMatchObject({
      reason: 'server does not support ssl, but ssl was required',
    })
    const tlsError = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    expect(describeFailure(tlsError, tcp.targets[0]!, tcp)).toMatchObject({
      reason: 'ssl error: self-signed certificate',
      hint: expect.stringContaining('sslrootcert'),
    })
  })

  it('server errors keep the server text and add a hint', () => {
    const t = tcp.targets[0]!
    expect(describeFailure(serverError('3D000', 'database "app" does not exist'), t, tcp)).toEqual({
      reason: 'database "app" does not exist',
      hint: 'database "app" does not exist on the server; name an existing database with dbname or create it',
    })
    expect(describeFailure(serverError('28000', 'role "alice" does not exist'), t, tcp).hint).toBe(
      'check that role "alice" exists and that pg_hba.conf lets it reach database "app" from here',
    )
    expect(describeFailure(serverError('28P01', 'password authentication failed for user "alice"'), t, tcp).hint).toBe('check the password')
    const withUrlPassword = resolve('postgresql://:pw@h/app')
    expect(describeFailure(serverError('28P01', 'x'), withUrlPassword.targets[0]!, withUrlPassword).hint).toBe(
      'check the password, which came from the connection string',
    )
  })

  it('a missing password mentions an ignored password file', () => {
    const r = resolve('postgresql://h/app', { [`${HOME}/.pgpass`]: { content: '*:*:*:*:x', mode: 0o644 } })
    expect(describeFailure(new MissingPasswordError(), r.targets[0]!, r)).toEqual({
      reason: 'the server requested password authentication, but no password was supplied',
      hint: `give the password in the connection string, PGPASSWORD or a password file (~/.pgpass, PGPASSFILE) (password file "${HOME}/.pgpass" was ignored: group or world accessible)`,
    })
  })

  it('target_session_attrs mismatch', () => {
    const r = resolve('postgresql://h/app?target_session_attrs=read-write')
    expect(describeFailure(new SessionMismatchError('session is read-only'), r.targets[0]!, r)).toEqual({
      reason: 'session is read-only',
      hint: 'no server matched target_session_attrs=read-write',
    })
  })
})

describe('isTransportFailure', () => {
  it('is true only for failures before the server answered', () => {
    expect(isTransportFailure(systemError('ECONNREFUSED'))).toBe(true)
    expect(isTransportFailure(new Error('timeout expired'))).toBe(true)
    expect(isTransportFailure(serverError('28000', 'no pg_hba.conf entry'))).toBe(false)
    expect(isTransportFailure(new Error('The server does not support SSL connections'))).toBe(false)
  })
})
