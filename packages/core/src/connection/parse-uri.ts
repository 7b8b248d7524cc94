// Parses a libpq connection URI (postgresql://user:password@host:port,host2/dbname?keyword=value)
// into a ConnInfo, scanning exactly as libpq does. Invariant: errors never quote the password.

import { PgkeepError } from '../errors.js'
import type { ConnInfo } from './conninfo.js'
import { isConnKeyword, isSecretKeyword } from './keywords.js'
import { percentDecode } from './percent-decode.js'

export const URI_PREFIXES = ['postgresql://', 'postgres://'] as const

/** Length of the URI scheme prefix of `text`, 0 when it is not a URI (case-sensitive, as libpq). */
export function uriPrefixLength(text: string): number {
  for (const prefix of URI_PREFIXES) if (text.startsWith(prefix)) return prefix.length
  return 0
}

export function parseUri(uri: string): ConnInfo {
  const start = uriPrefixLength(uri)
  if (start === 0) throw invalid('connection uri must start with "postgresql://" or "postgres://"')
  const info: ConnInfo = {}
  let p = parseUserInfo(uri, start, info)

  // One or more netloc[:port] pairs separated by commas. The hosts and ports are joined with commas
  // and stored as lists, as libpq does; empty entries mean "the default".
  const hosts: string[] = []
  const ports: string[] = []
  let terminator: string | undefined
  for (;;) {
    let host: string
    if (uri[p] === '[') {
      const from = ++p
      while (p < uri.length && uri[p] !== ']') p++
      if (p >= uri.length) throw invalid('unterminated ipv6 host address in uri (missing "]")')
      if (p === from) throw invalid('empty ipv6 host address in uri')
      host = uri.slice(from, p)
      p++
      if (p < uri.length && !':/?,'.includes(uri[p]!)) {
        throw invalid(`unexpected character "${uri[p]}" after ipv6 host address in uri (expected ":", "/", "?" or ",")`)
      }
    } else {
      const from = p
      while (p < uri.length && !':/?,'.includes(uri[p]!)) p++
      host = uri.slice(from, p)
    }
    let port = ''
    terminator = uri[p]
    if (terminator === ':') {
      const from = ++p
      while (p < uri.length && !'/?,'.includes(uri[p]!)) p++
      port = uri.slice(from, p)
      terminator = uri[p]
    }
    hosts.push(host)
    ports.push(port)
    if (terminator !== ',') break
    p++
  }
  const hostList = hosts.join(',')
  const portList = ports.join(',')
  if (hostList !== '') info.host = percentDecode(hostList, 'host')
  if (portList !== '') info.port = percentDecode(portList, 'port')

  if (terminator === '/') {
    const from = ++p
    while (p < uri.length && uri[p] !== '?') p++
    const dbname = uri.slice(from, p)
    // An empty "/" leaves dbname unset so that PGDATABASE still applies (libpq does the same).
    if (dbname !== '') info.dbname = percentDecode(dbname, 'database name')
    terminator = uri[p]
  }
  if (terminator === '?') parseQuery(uri.slice(p + 1), info)
  return info
}

/** Reads "user[:password]@" if the authority has one; returns where the host part starts. */
function parseUserInfo(uri: string, start: number, info: ConnInfo): number {
  let at = start
  while (at < uri.length && uri[at] !== '@' && uri[at] !== '/') at++
  if (uri[at] !== '@') return start
  const userinfo = uri.slice(start, at)
  const colon = userinfo.indexOf(':')
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
  if (user !== '') info.user = percentDecode(user, 'user name')
  if (colon >= 0) {
    const password = userinfo.slice(colon + 1)
    if (password !== '') info.password = percentDecode(password, 'password', true)
  }
  return at + 1
}

function parseQuery(query: string, info: ConnInfo): void {
  const params = query.split('&')
  // libpq stops at the end of the string, so one trailing "&" (or a bare "?") is fine.
  if (params.at(-1) === '') params.pop()
  params.forEach((param, index) => {
    const eq = param.indexOf('=')
    if (eq < 0) throw invalid(`uri query parameter ${index + 1} has no "=" (expected keyword=value)`)
    const rawKey = param.slice(0, eq)
    const rawValue = param.slice(eq + 1)
    let keyword = percentDecode(rawKey, 'query parameter name')
    const secret = isSecretKeyword(keyword)
    if (rawValue.includes('=')) {
      throw invalid(`uri query parameter "${keyword}" has more than one "="`)
    }
    let value = percentDecode(rawValue, `query parameter "${keyword}"`, secret)
    // libpq's JDBC compatibility: ssl=true means sslmode=require; any other ssl value is invalid.
    if (keyword === 'ssl' && value === 'true') {
      keyword = 'sslmode'
      value = 'require'
    }
    if (!isConnKeyword(keyword)) throw invalid(`invalid connection option "${keyword}" in uri query`)
    info[keyword] = value
  })
}

function invalid(message: string): PgkeepError {
  return new PgkeepError('CONNECTION_INVALID', message)
}
