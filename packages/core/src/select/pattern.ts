// Name patterns as pg_dump's -n/-t take them (processSQLNamePattern): unquoted letters fold to lower
// case, `*` and `?` are wildcards, `.` separates schema from name, double quotes keep case and make
// every character literal, `$` is always literal. Produces anchored POSIX regular expressions.
import { PgkeepError } from '../errors'

export interface NamePattern {
  /** Regex for the schema part, or null when the pattern has no schema part. */
  schema: string | null
  /** Regex for the object name. */
  name: string
  /** The pattern as given, for error messages. */
  source: string
}

const REGEX_SPECIALS = '|*+?()[]{}.^$\\'

export function parseNamePattern(pattern: string, what: 'table' | 'schema'): NamePattern {
  const parts: string[] = ['']
  let inQuotes = false
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    let cur = parts[parts.length - 1]!
    if (ch === '"') {
      if (inQuotes && pattern[i + 1] === '"') {
        cur += '"'
        i++
      } else {
        inQuotes = !inQuotes
      }
    } else if (!inQuotes && ch >= 'A' && ch <= 'Z') {
      cur += ch.toLowerCase()
    } else if (!inQuotes && ch === '*') {
      cur += '.*'
    } else if (!inQuotes && ch === '?') {
      cur += '.'
    } else if (!inQuotes && ch === '.') {
      parts.push('')
      continue
    } else if (ch === '$') {
      cur += '\\$'
    } else {
      if (inQuotes && REGEX_SPECIALS.includes(ch)) cur += '\\'
      else if (ch === '[' && pattern[i + 1] === ']') cur += '\\'
      cur += ch
    }
    parts[parts.length - 1] = cur
  }
  if (inQuotes) throw new PgkeepError('OPTIONS_INVALID', `${what} pattern "${pattern}" has an unterminated double quote`)
  const anchored = (s: string) => `^(${s})$`
  if (what === 'schema') {
    if (parts.length > 2) throw new PgkeepError('OPTIONS_INVALID', `improper qualified name (too many dotted names): ${pattern}`)
    return { schema: null, name: anchored(parts.at(-1)!), source: pattern }
  }
  if (parts.length > 3) throw new PgkeepError('OPTIONS_INVALID', `improper relation name (too many dotted names): ${pattern}`)
  if (parts.length === 1) return { schema: null, name: anchored(parts[0]!), source: pattern }
  return { schema: anchored(parts.at(-2)!), name: anchored(parts.at(-1)!), source: pattern }
}

/**
 * For a three-part pattern (db.schema.table, or db.schema for schemas) the database name it names,
 * read like the other parts (unquoted letters fold to lower case, `""` is a quote), or null.
 */
export function databasePart(pattern: string, what: 'table' | 'schema'): string | null {
  let inQuotes = false
  let dots = 0
  let name = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (ch === '"') {
      if (inQuotes && pattern[i + 1] === '"') {
        if (dots === 0) name += '"'
        i++
      } else {
        inQuotes = !inQuotes
      }
    } else if (ch === '.' && !inQuotes) {
      dots++
    } else if (dots === 0) {
      name += !inQuotes && ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch
    }
  }
  return dots === (what === 'table' ? 2 : 1) ? name : null
}
