// The fully resolved connection: every value libpq would use, ready for pg.Client. Invariant: the
// passwords are reachable only through `password`, secrets() and client configs; describe(),
// toString(), toJSON() and util.inspect never show them.

import { isIP } from 'node:net'
import { inspect } from 'node:util'
import type { ConnectionOptions } from 'node:tls'
import type pg from 'pg'
import { isSocketDirectory } from './socket-directory.js'
import type { SslMode } from './ssl-options.js'

export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number]

/** One host to try, in order. */
export interface ConnectionTarget {
  /** Socket directory, host name or address, as given or defaulted. */
  readonly host: string
  /** Numeric address to connect to instead of looking `host` up (libpq's hostaddr). */
  readonly hostaddr: string | undefined
  readonly port: number
  /** A Unix-domain socket in directory `host`; SSL is never used on those. */
  readonly socket: boolean
}

export interface ResolvedConnectionInit {
  readonly targets: readonly ConnectionTarget[]
  /** Aligned with `targets`: the password for each (password files are per host). */
  readonly passwords: readonly (string | undefined)[]
  readonly user: string
  readonly database: string
  readonly sslmode: SslMode
  readonly sslnegotiation: 'postgres' | 'direct'
  readonly tls: ConnectionOptions | undefined
  readonly application_name: string | undefined
  readonly fallback_application_name: string | undefined
  readonly connectionTimeoutMillis: number
  readonly options: string | undefined
  readonly clientEncoding: string | undefined
  readonly keepAlive: boolean
  readonly keepAliveInitialDelayMillis: number
  readonly channelBinding: boolean
  readonly targetSessionAttrs: TargetSessionAttrs
  readonly passwordSource: string | undefined
  readonly passfileNote: string | undefined
}

/** Thrown from pg's password callback when the server asks for a password nobody gave. */
export class MissingPasswordError extends Error {
  override name = 'MissingPasswordError'
  constructor() {
    super('the server requested password authentication, but no password was supplied')
  }
}

export class ResolvedConnection {
  /** The first target's host, port and SSL options (pg.ClientConfig names). */
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  /** SSL as a single-shot pg config uses it: false for disable, allow and prefer (see connect()). */
  readonly ssl: false | ConnectionOptions
  readonly application_name: string | undefined
  readonly fallback_application_name: string | undefined
  /** 0 means wait indefinitely. */
  readonly connectionTimeoutMillis: number
  readonly options: string | undefined
  readonly targets: readonly ConnectionTarget[]
  readonly sslmode: SslMode
  readonly sslnegotiation: 'postgres' | 'direct'
  readonly targetSessionAttrs: TargetSessionAttrs
  /** client_encoding / PGCLIENTENCODING as given; pg does not send it, the dump layer applies it. */
  readonly clientEncoding: string | undefined
  readonly keepAlive: boolean
  readonly keepAliveInitialDelayMillis: number
  readonly channelBinding: boolean
  /** Where the password came from ("the connection string", "PGPASSWORD", "password file …"). */
  readonly passwordSource: string | undefined
  /** Why a password file was not used, when one was skipped. */
  readonly passfileNote: string | undefined
  readonly #passwords: readonly (string | undefined)[]
  readonly #tls: ConnectionOptions | undefined

  constructor(init: ResolvedConnectionInit) {
    const first = init.targets[0]
    if (first === undefined) throw new Error('a resolved connection needs at least one target')
    this.host = first.hostaddr ?? first.host
    this.port = first.port
    this.user = init.user
    this.database = init.database
    this.targets = init.targets
    this.sslmode = init.sslmode
    this.sslnegotiation = init.sslnegotiation
    this.#tls = init.tls
    this.#passwords = init.passwords
    this.ssl = this.singleShotSsl(0) ? this.tlsFor(first) : false
    this.application_name = init.application_name
    this.fallback_application_name = init.fallback_application_name
    this.connectionTimeoutMillis = init.connectionTimeoutMillis
    this.options = init.options
    this.clientEncoding = init.clientEncoding
    this.keepAlive = init.keepAlive
    this.keepAliveInitialDelayMillis = init.keepAliveInitialDelayMillis
    this.channelBinding = init.channelBinding
    this.targetSessionAttrs = init.targetSessionAttrs
    this.passwordSource = init.passwordSource
    this.passfileNote = init.passfileNote
  }

  /** The first target's password, if any. Not enumerable. */
  get password(): string | undefined {
    return this.#passwords[0]
  }

  /** Every password in use, for scrubbing messages. */
  secrets(): string[] {
    return this.#passwords.filter((p): p is string => p !== undefined && p !== '')
  }

  /** user@host:port/database (hosts comma-separated); never the password. */
  describe(): string {
    return `${this.user}@${this.targets.map(describeTarget).join(',')}/${this.database}`
  }

  /**
   * Whether each connection attempt to target `index` uses SSL, in order. libpq negotiates on one
   * socket; pg cannot fall back, so allow and prefer become two attempts in connect().
   */
  sslAttempts(index = 0): boolean[] {
    if (this.targets[index]?.socket !== false) return [false]
    switch (this.sslmode) {
      case 'disable':
        return [false]
      case 'allow':
        return [false, true]
      case 'prefer':
        return [true, false]
      default:
        return [true]
    }
  }

  /**
   * A pg.ClientConfig for target `index` (default the first). `useSsl` defaults to SSL only for
   * require, verify-ca and verify-full: a single config cannot fall back, so allow and prefer
   * give a config without SSL (connect() tries both). Every field pg would otherwise fill from
   * process.env is set, except options and application_name when they are not given.
   */
  toClientConfig(index = 0, useSsl?: boolean, fallbackApplicationName?: string): pg.ClientConfig {
    const target = this.targets[index]
    if (target === undefined) throw new RangeError(`no connection target ${index}`)
    const password = this.#passwords[index]
    const ssl = (useSsl ?? this.singleShotSsl(index)) && !target.socket ? this.tlsFor(target) : false
    const config: pg.ClientConfig = {
      host: target.hostaddr ?? target.host,
      port: target.port,
      user: this.user,
      database: this.database,
      // A function keeps pg from falling back to PGPASSWORD and its own ~/.pgpass reader.
      password: () => {
        if (password === undefined) throw new MissingPasswordError()
        return password
      },
      ssl,
      sslnegotiation: ssl === false ? 'postgres' : this.sslnegotiation,
      enableChannelBinding: ssl !== false && this.channelBinding,
      connectionTimeoutMillis: this.connectionTimeoutMillis,
      keepAlive: this.keepAlive && !target.socket,
      keepAliveInitialDelayMillis: this.keepAliveInitialDelayMillis,
    }
    if (this.application_name !== undefined) config.application_name = this.application_name
    const fallback = this.fallback_application_name ?? fallbackApplicationName
    if (fallback !== undefined) config.fallback_application_name = fallback
    if (this.options !== undefined) config.options = this.options
    return config
  }

  toString(): string {
    return this.describe()
  }

  toJSON(): Record<string, unknown> {
    return {
      connection: this.describe(),
      sslmode: this.sslmode,
      password: this.#passwords.some((p) => p !== undefined) ? '***' : undefined,
    }
  }

  [inspect.custom](): string {
    return `ResolvedConnection(${this.describe()})`
  }

  private singleShotSsl(index: number): boolean {
    const attempts = this.sslAttempts(index)
    return attempts.length === 1 && attempts[0] === true
  }

  private tlsFor(target: ConnectionTarget): ConnectionOptions {
    const tls = this.#tls ?? { rejectUnauthorized: false }
    // Connecting to hostaddr, the certificate is still checked against (and SNI names) the host.
    const name = target.host
    if (target.hostaddr === undefined || name === '' || isSocketDirectory(name) || isIP(name) !== 0) return tls
    const copy: ConnectionOptions = { ...tls, servername: name }
    if (tls.key !== undefined) Object.defineProperty(copy, 'key', { value: tls.key, enumerable: false })
    return copy
  }
}

function describeTarget(target: ConnectionTarget): string {
  const host = target.host || target.hostaddr || ''
  return `${host.includes(':') ? `[${host}]` : host}:${target.port}`
}
