// Resolves a connection the way libpq does: explicit values, then the service file, then PG*
// environment variables, then defaults (local socket, port 5432, OS user, dbname = user, ~/.pgpass).
// Invariant: no network access, and nothing the user cannot see is guessed; errors name the field.

import { homedir, userInfo } from 'node:os'
import { PgkeepError } from '../errors.js'
import type { ConnInfo, ConnInfoSources } from './conninfo.js'
import { nodeFileSystem, type FileSystem } from './file-system.js'
import { CONN_KEYWORDS, isConnKeyword, keywordSpec, type ConnKeyword } from './keywords.js'
import { isConnectionString, isUriWithPassword, parseConnInfo } from './parse-conninfo.js'
import { parseIntParam } from './parse-int-param.js'
import { lookupPgpass } from './pgpass.js'
import { ResolvedConnection, TARGET_SESSION_ATTRS, type TargetSessionAttrs } from './resolved-connection.js'
import { resolveTargets, type HostSlot } from './resolve-targets.js'
import { CONVENTIONAL_SYSCONF_DIRECTORIES, readServiceDefinition } from './service-file.js'
import { buildSslSettings, parseSslMode } from './ssl-options.js'
import { CONVENTIONAL_SOCKET_DIRECTORIES } from './socket-directory.js'
import { checkSupported } from './unsupported-options.js'

/** Connection keywords as an object, like libpq's PQconnectdbParams. Empty values are ignored. */
export type ConnectionParams = { [K in ConnKeyword]?: string | number | undefined }

/** What resolution would otherwise take from the machine; inject it for pure tests. */
export interface ResolveContext {
  /** The operating-system user name (default: os.userInfo().username). */
  osUser?: () => string
  /** Home directory for ~/.pgpass, ~/.pg_service.conf, ~/.postgresql (default: HOME, else os.homedir()). */
  homeDir?: string | undefined
  fs?: FileSystem
  /** Directories probed for the default Unix socket (default CONVENTIONAL_SOCKET_DIRECTORIES). */
  socketDirectories?: readonly string[]
  /** Directories searched for pg_service.conf when PGSYSCONFDIR is unset. */
  sysconfDirectories?: readonly string[]
  /** For load_balance_hosts=random (default Math.random). */
  random?: () => number
}

const EXPLICIT = 'the connection string'

export function resolveConnection(
  input?: string | ConnectionParams,
  env: NodeJS.ProcessEnv = process.env,
  context: ResolveContext = {},
): ResolvedConnection {
  const fs = context.fs ?? nodeFileSystem
  const home = 'homeDir' in context ? context.homeDir : env.HOME || safeHomedir()
  const { info, sources } = explicitValues(input)
  applyService(info, sources, env, home, fs, context)
  for (const keyword of CONN_KEYWORDS) {
    const variable = keywordSpec(keyword).env
    if (info[keyword] === undefined && variable !== undefined && env[variable] !== undefined) {
      info[keyword] = env[variable]
      sources[keyword] = variable
    }
  }
  const from = (keyword: string): string => {
    const source = isConnKeyword(keyword) ? sources[keyword] : undefined
    return source === undefined || source === EXPLICIT ? '' : ` from ${source}`
  }
  checkSupported(info, from)

  const hosts = resolveTargets(info, from, fs, context.socketDirectories ?? CONVENTIONAL_SOCKET_DIRECTORIES)
  const user = info.user || osUser(context)
  const database = info.dbname || user
  const passwords = resolvePasswords(info, sources, hosts, user, database, home, fs)
  if (info.load_balance_hosts === 'random') shuffle(hosts, passwords.values, context.random ?? Math.random)

  const targets = hosts.map((h) => h.target)
  const ssl = targets.some((t) => !t.socket)
    ? buildSslSettings(info, home, fs, from)
    : { ...parseSslMode(info, from), tls: undefined }

  return new ResolvedConnection({
    targets,
    passwords: passwords.values,
    user,
    database,
    sslmode: ssl.mode,
    sslnegotiation: ssl.negotiation,
    tls: ssl.tls,
    application_name: info.application_name || undefined,
    fallback_application_name: info.fallback_application_name || undefined,
    connectionTimeoutMillis: connectTimeoutMillis(info, from),
    options: info.options || undefined,
    clientEncoding: info.client_encoding || undefined,
    keepAlive: intOption(info, 'keepalives', from, 1) !== 0,
    keepAliveInitialDelayMillis: Math.max(0, intOption(info, 'keepalives_idle', from, 0)) * 1000,
    channelBinding: (info.channel_binding || 'prefer') === 'prefer',
    targetSessionAttrs: targetSessionAttrs(info, from),
    passwordSource: passwords.source,
    passfileNote: passwords.note,
  })
}

function explicitValues(input: string | ConnectionParams | undefined): { info: ConnInfo; sources: ConnInfoSources } {
  let info: ConnInfo
  if (input === undefined) {
    info = {}
  } else if (typeof input === 'string') {
    info = parseConnInfo(input)
  } else {
    info = {}
    for (const [key, raw] of Object.entries(input)) {
      if (raw === undefined || raw === null || raw === '') continue
      if (!isConnKeyword(key)) throw new PgkeepError('CONNECTION_INVALID', `invalid connection option "${key}"`)
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        throw new PgkeepError('CONNECTION_INVALID', `connection option "${key}" must be a string or a number`)
      }
      info[key] = String(raw)
    }
    // As pg_dump -d and psql do, a dbname that is a connection string is expanded and its values
    // override the other parameters.
    if (info.dbname !== undefined && isConnectionString(info.dbname)) {
      const expanded = parseConnInfo(info.dbname)
      delete info.dbname
      Object.assign(info, expanded)
    }
  }
  // libpq would take "jdbc:postgresql://u:secret@h/db" or "POSTGRESQL://u:secret@h/db" for a database
  // name and send it, password and all, to the server, whose "does not exist" error repeats it.
  if (info.dbname !== undefined && isUriWithPassword(info.dbname)) {
    throw new PgkeepError('CONNECTION_INVALID',
      'the connection string is not a PostgreSQL connection URI: it holds a password but does not start with "postgresql://" or "postgres://" (in lower case)',
      { hint: 'write it as postgresql://user:password@host:port/dbname (without a jdbc: prefix or a +driver suffix); libpq would take it for a database name and send it, password and all, to the server' })
  }
  const sources: ConnInfoSources = {}
  for (const key of Object.keys(info) as ConnKeyword[]) sources[key] = EXPLICIT
  return { info, sources }
}

/** Values of service=NAME (or PGSERVICE) fill what the connection string left unset. */
function applyService(
  info: ConnInfo,
  sources: ConnInfoSources,
  env: NodeJS.ProcessEnv,
  home: string | undefined,
  fs: FileSystem,
  context: ResolveContext,
): void {
  const service = info.service ?? env.PGSERVICE
  if (!service) return
  const userFile = info.servicefile || env.PGSERVICEFILE || (home === undefined ? undefined : `${home}/.pg_service.conf`)
  const systemDirectories = env.PGSYSCONFDIR ? [env.PGSYSCONFDIR] : (context.sysconfDirectories ?? CONVENTIONAL_SYSCONF_DIRECTORIES)
  const definition = readServiceDefinition(service, { userFile, systemDirectories }, fs)
  for (const key of Object.keys(definition.values) as ConnKeyword[]) {
    if (info[key] !== undefined) continue
    info[key] = definition.values[key]
    sources[key] = `service "${service}" in "${definition.file}"`
  }
}

function resolvePasswords(
  info: ConnInfo,
  sources: ConnInfoSources,
  slots: readonly HostSlot[],
  user: string,
  database: string,
  home: string | undefined,
  fs: FileSystem,
): { values: (string | undefined)[]; source: string | undefined; note: string | undefined } {
  if (info.password) {
    return { values: slots.map(() => info.password), source: sources.password, note: undefined }
  }
  const passfile = info.passfile || (home === undefined ? undefined : `${home}/.pgpass`)
  if (passfile === undefined) return { values: slots.map(() => undefined), source: undefined, note: undefined }
  let source: string | undefined
  let note: string | undefined
  const values = slots.map((slot) => {
    const key = { host: slot.pgpassHost, port: String(slot.target.port), dbname: database, user }
    const result = lookupPgpass(passfile, key, fs)
    if (result.found) {
      source = `password file "${passfile}"`
      return result.password
    }
    if (result.ignored !== undefined) note = `password file "${passfile}" was ignored: ${result.ignored}`
    return undefined
  })
  return { values, source, note }
}

/** libpq: zero or negative waits forever, and the shortest timeout is 2 seconds. */
function connectTimeoutMillis(info: ConnInfo, from: (keyword: string) => string): number {
  const seconds = intOption(info, 'connect_timeout', from, 0)
  return seconds <= 0 ? 0 : Math.max(seconds, 2) * 1000
}

function intOption(info: ConnInfo, keyword: 'connect_timeout' | 'keepalives' | 'keepalives_idle', from: (k: string) => string, fallback: number): number {
  const text = info[keyword]
  if (!text) return fallback
  const value = parseIntParam(text)
  if (value === undefined) throw invalid(`invalid ${keyword} "${text}"${from(keyword)}: expected an integer`)
  return value
}

function targetSessionAttrs(info: ConnInfo, from: (keyword: string) => string): TargetSessionAttrs {
  const value = info.target_session_attrs || 'any'
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(value)) {
    throw invalid(`invalid target_session_attrs "${value}"${from('target_session_attrs')}: expected ${TARGET_SESSION_ATTRS.join(', ')}`)
  }
  return value as TargetSessionAttrs
}

function osUser(context: ResolveContext): string {
  let name: string | undefined
  let cause: unknown
  try {
    name = (context.osUser ?? (() => userInfo().username))()
  } catch (error) {
    cause = error
  }
  if (!name) {
    throw new PgkeepError('CONNECTION_INVALID', 'could not determine the operating-system user name', {
      cause,
      hint: 'give the user in the connection string or in PGUSER',
    })
  }
  return name
}

function shuffle(slots: HostSlot[], passwords: (string | undefined)[], random: () => number): void {
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[slots[i], slots[j]] = [slots[j]!, slots[i]!]
    ;[passwords[i], passwords[j]] = [passwords[j], passwords[i]]
  }
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined
  } catch {
    return undefined
  }
}

function invalid(message: string, hint?: string): PgkeepError {
  return new PgkeepError('CONNECTION_INVALID', message, hint === undefined ? {} : { hint })
}
