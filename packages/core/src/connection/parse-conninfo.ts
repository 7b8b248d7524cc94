// Turns what a user types as a connection (URI, keyword/value string or bare database name) into
// a ConnInfo, deciding the form as libpq and psql do. Invariant: no defaults or environment here.

import type { ConnInfo } from './conninfo.js'
import { parseKeywordValue } from './parse-keyword-value.js'
import { parseUri, uriPrefixLength } from './parse-uri.js'

export type { ConnInfo } from './conninfo.js'

/**
 * True when libpq would parse `text` as a connection string rather than take it as a database
 * name: it starts with "postgresql://" or "postgres://", or contains "=".
 */
export function isConnectionString(text: string): boolean {
  return uriPrefixLength(text) > 0 || text.includes('=')
}

/**
 * Parses a URI or keyword/value string. Anything else is a database name, as psql treats its first
 * argument; the empty string gives an empty ConnInfo (all defaults).
 */
export function parseConnInfo(text: string): ConnInfo {
  if (uriPrefixLength(text) > 0) return parseUri(text)
  if (text.includes('=')) return parseKeywordValue(text)
  return text === '' ? {} : { dbname: text }
}
