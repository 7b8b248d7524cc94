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

/** A scheme at the start (two before "//", as in jdbc:postgresql://): the shape of a URI of any kind. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z][A-Za-z0-9+.-]*:(?=\/\/))?/

/**
 * The length of the scheme part of a URI that is not a libpq one ("jdbc:postgresql://",
 * "postgresql+psycopg2://", "POSTGRESQL://", "postgresql:"), 0 for anything else, key=value text
 * included. libpq takes such a string for a database name.
 */
export function foreignUriPrefixLength(text: string): number {
  if (uriPrefixLength(text) > 0) return 0
  const scheme = SCHEME.exec(text)?.[0]
  if (scheme === undefined) return 0
  return text.startsWith('//', scheme.length) ? scheme.length + 2 : scheme.length
}

/**
 * Whether `text`, which libpq would take for a database name (not a libpq URI, no "="), holds what
 * looks like a password: "user:secret@" ("POSTGRESQL://u:secret@h/db", "u:secret@h/db"), or a
 * password parameter after a scheme ("jdbc:postgresql://h/db?password=secret").
 */
export function isUriWithPassword(text: string): boolean {
  if (uriPrefixLength(text) > 0) return false
  return /^[^@?=]*:[^@?]*@/.test(text) || (foreignUriPrefixLength(text) > 0 && /[?&;]password=/i.test(text))
}
