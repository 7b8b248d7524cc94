// Parses a libpq keyword/value string (host=localhost dbname='my db' password=a\ b) into a ConnInfo.
// Quoting and escapes follow libpq: '...' quotes, backslash escapes the next character in or out
// of quotes. Invariant: an error never quotes a value, nor a word that may be part of a password.

import { PgkeepError } from '../errors.js'
import type { ConnInfo } from './conninfo.js'
import { isConnKeyword, isSecretKeyword } from './keywords.js'

export interface KeywordValueToken {
  readonly keyword: string
  readonly value: string
  /** Where the keyword starts and where the raw value (quotes included) ends, in the input. */
  readonly start: number
  readonly valueStart: number
  readonly end: number
  readonly quoted: boolean
}

/**
 * The tokens read before a syntax error, kept outside the error object: they hold the values read so far,
 * a password among them, and an error must never carry a secret in any property (JSON loggers,
 * util.inspect with showHidden). Only redact.ts reads them, through tokensBeforeError().
 */
const tokensOfError = new WeakMap<KeywordValueSyntaxError, readonly KeywordValueToken[]>()

export class KeywordValueSyntaxError extends PgkeepError {
  /** Where in the input the error is (an offset; it quotes nothing). */
  readonly position: number

  constructor(message: string, tokens: readonly KeywordValueToken[], position: number) {
    super('CONNECTION_INVALID', message)
    tokensOfError.set(this, tokens)
    this.position = position
  }
}

/** The tokens read before the error (the error is at its `position`). */
export function tokensBeforeError(error: KeywordValueSyntaxError): readonly KeywordValueToken[] {
  return tokensOfError.get(error) ?? []
}

/** libpq uses isspace() in the C locale: ASCII whitespace only. */
const isSpace = (ch: string | undefined): boolean => ch !== undefined && ' \t\n\r\f\v'.includes(ch)

/** Splits the string into tokens, without checking the keywords. */
export function lexKeywordValue(text: string): KeywordValueToken[] {
  const tokens: KeywordValueToken[] = []
  let p = 0
  while (p < text.length) {
    if (isSpace(text[p])) {
      p++
      continue
    }
    const start = p
    while (p < text.length && text[p] !== '=' && !isSpace(text[p])) p++
    const keyword = text.slice(start, p)
    while (isSpace(text[p])) p++
    if (text[p] !== '=') {
      throw new KeywordValueSyntaxError(missingEquals(keyword, tokens.at(-1)), tokens, start)
    }
    p++
    while (isSpace(text[p])) p++
    const valueStart = p
    let value = ''
    const quoted = text[p] === "'"
    if (quoted) {
      p++
      for (;;) {
        if (p >= text.length) {
          throw new KeywordValueSyntaxError(
            `unterminated quoted string in the value of "${keyword}" in connection info string`,
            tokens,
            start,
          )
        }
        const ch = text[p]!
        if (ch === '\\') {
          p++
          if (p < text.length) value += text[p++]
          continue
        }
        p++
        if (ch === "'") break
        value += ch
      }
    } else {
      while (p < text.length && !isSpace(text[p])) {
        if (text[p] === '\\') {
          p++
          if (p < text.length) value += text[p++]
        } else {
          value += text[p++]
        }
      }
    }
    tokens.push({ keyword, value, start, valueStart, end: p, quoted })
  }
  return tokens
}

export function parseKeywordValue(text: string): ConnInfo {
  const info: ConnInfo = {}
  const tokens = lexKeywordValue(text)
  tokens.forEach((token, index) => {
    if (!isConnKeyword(token.keyword)) {
      const previous = tokens[index - 1]
      if (previous !== undefined && followsUnquotedSecret(previous)) {
        throw new KeywordValueSyntaxError(
          `invalid connection option after the value of "${previous.keyword}" (quote values that contain spaces)`,
          tokens.slice(0, index),
          token.start,
        )
      }
      throw new KeywordValueSyntaxError(`invalid connection option "${token.keyword}"`, tokens.slice(0, index), token.start)
    }
    info[token.keyword] = token.value
  })
  return info
}

function missingEquals(word: string, previous: KeywordValueToken | undefined): string {
  if (previous !== undefined && followsUnquotedSecret(previous)) {
    return `missing "=" after the value of "${previous.keyword}" in connection info string (quote values that contain spaces)`
  }
  return `missing "=" after "${word}" in connection info string`
}

/** A word right after an unquoted password may be the rest of a password with a space in it. */
function followsUnquotedSecret(token: KeywordValueToken): boolean {
  return isSecretKeyword(token.keyword) && !token.quoted
}
