// Quoting of identifiers and literals exactly as pg_dump writes them (fmtId, appendStringLiteral,
// appendStringLiteralDQ). Every name that reaches SQL text goes through here.
import { QUOTE_FORCING_KEYWORDS } from './keywords'

const SAFE_IDENT = /^[a-z_][a-z0-9_]*$/

/** Quotes an identifier unless it is a plain lower-case name that is not a reserved keyword. */
export function quoteIdent(name: string): string {
  if (SAFE_IDENT.test(name) && !QUOTE_FORCING_KEYWORDS.has(name)) return name
  return `"${name.replaceAll('"', '""')}"`
}

/** `schema.name`, each part quoted as needed. */
export function quoteQualified(schema: string | null | undefined, name: string): string {
  return schema == null ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/**
 * A string literal as pg_dump writes it: single quotes doubled, and backslashes doubled only when
 * standard_conforming_strings is off. Never an E'' literal.
 */
export function quoteLiteral(value: string, standardConformingStrings = true): string {
  let body = value.replaceAll("'", "''")
  if (!standardConformingStrings) body = body.replaceAll('\\', '\\\\')
  return `'${body}'`
}

/**
 * Dollar-quotes a function body the way pg_dump chooses its delimiter: start with `$` (plus an optional
 * prefix) and append characters from `_XXXXXXX` (cycling) while the delimiter, without its closing `$`,
 * occurs in the body. So a body containing any `$` gets `$_$`.
 */
export function quoteDollar(body: string, prefix = ''): string {
  const suffixes = '_XXXXXXX'
  let delimiter = `$${prefix}`
  let next = 0
  while (body.includes(delimiter)) {
    delimiter += suffixes[next]
    next = (next + 1) % suffixes.length
  }
  return `${delimiter}$${body}${delimiter}$`
}

/** A bytea literal in hex form: `'\x…'` (doubled backslash when standard_conforming_strings is off). */
export function quoteBytea(bytes: Uint8Array, standardConformingStrings = true): string {
  const prefix = standardConformingStrings ? '\\x' : '\\\\x'
  return `'${prefix}${Buffer.from(bytes).toString('hex')}'`
}

/** Replaces CR and LF with spaces, as pg_dump does for names printed inside `--` comment lines. */
export function sanitizeCommentLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ')
}
