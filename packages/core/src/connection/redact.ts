// Makes connection strings and messages safe to show: passwords (and other secret options) become ***.
// Invariant: when in doubt, more is hidden, never less; a string that cannot be read is cut short.

import { isConnKeyword, isSecretKeyword } from './keywords.js'
import { KeywordValueSyntaxError, lexKeywordValue, tokensBeforeError, type KeywordValueToken } from './parse-keyword-value.js'
import { foreignUriPrefixLength, isUriWithPassword } from './parse-conninfo.js'
import { uriPrefixLength } from './parse-uri.js'
import { percentDecode } from './percent-decode.js'

const MASK = '***'

/** The connection string with every secret value replaced by ***; a bare database name is unchanged. */
export function redactConnectionString(text: string): string {
  const prefix = uriPrefixLength(text)
  if (prefix > 0) return redactUri(text, prefix)
  // jdbc:postgresql://…?password=…, POSTGRESQL://u:secret@h/db: libpq reads them as a database name or
  // key=value text, but their password is a password all the same
  if (isUriWithPassword(text)) {
    // without "//" the text before the first ":" may be the user ("u:secret@h"): hide from there on
    const foreign = foreignUriPrefixLength(text)
    return redactUri(text, text.startsWith('//', foreign - 2) ? foreign : 0)
  }
  if (text.includes('=')) return redactKeywordValue(text)
  return text
}

/**
 * `text` with each secret (and its percent-encoded form) replaced by ***: a second guard behind the
 * structural redaction of connection strings. A secret that is a short plain word is left alone (see
 * maskable): where such text appears in a message it is far more likely the message's own word than a
 * leak, and masking it would garble the message ("unable to d***crypt") and show what the secret is.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (!secret || !maskable(secret)) continue
    forms.add(secret)
    forms.add(encodeURIComponent(secret))
  }
  let out = text
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(MASK)
  return out
}

/**
 * Whether a secret is masked wherever its text appears: 12 characters or more, or 4 or more with
 * something other than a letter in them. So `e`, `backup`, `postgres` and `password` are not (they are
 * words of messages: "password authentication failed"), `kost123`, `p@ss` and every generated key are.
 */
export function maskable(secret: string): boolean {
  return secret.length >= 12 || (secret.length >= 4 && /[^\p{L}]/u.test(secret))
}

function redactUri(uri: string, prefix: number): string {
  try {
    const queryAt = uri.indexOf('?', prefix)
    const head = queryAt < 0 ? uri.slice(prefix) : uri.slice(prefix, queryAt)
    // The last "@" before the query: an unencoded "@" or "/" in a password still ends up hidden.
    const at = head.lastIndexOf('@')
    let safeHead = head
    const colon = head.indexOf(':')
    if (at >= 0) {
      if (colon >= 0 && colon < at) safeHead = `${head.slice(0, colon + 1)}${MASK}${head.slice(at)}`
    } else if (colon >= 0 && !head.startsWith('[')) {
      // No "@": libpq reads "user:secret" as host and port; a port that is not a number may be a
      // password typed without its "@host", so it is hidden too.
      const end = head.slice(colon + 1).search(/[/,]/)
      const port = end < 0 ? head.slice(colon + 1) : head.slice(colon + 1, colon + 1 + end)
      if (!/^\d*$/.test(port)) safeHead = `${head.slice(0, colon + 1)}${MASK}${head.slice(colon + 1 + port.length)}`
    }
    const query = queryAt < 0 ? undefined : uri.slice(queryAt + 1).split('&').map(redactQueryParam).join('&')
    return `${uri.slice(0, prefix)}${safeHead}${query === undefined ? '' : `?${query}`}`
  } catch {
    return `${uri.slice(0, prefix)}${MASK}`
  }
}

function redactQueryParam(param: string): string {
  const eq = param.indexOf('=')
  if (eq < 0) return param
  const rawKey = param.slice(0, eq)
  let key: string
  try {
    key = percentDecode(rawKey, 'query parameter name')
  } catch {
    return MASK
  }
  return isSecretKeyword(key) ? `${rawKey}=${MASK}` : param
}

function redactKeywordValue(text: string): string {
  let tokens: readonly KeywordValueToken[]
  let cutAt: number | undefined
  try {
    tokens = lexKeywordValue(text)
  } catch (error) {
    if (!(error instanceof KeywordValueSyntaxError)) return MASK
    tokens = tokensBeforeError(error)
    cutAt = error.position
  }
  let out = ''
  let copied = 0
  tokens.forEach((token, index) => {
    const previous = tokens[index - 1]
    const mayBePassword = previous !== undefined && !isConnKeyword(token.keyword) && isSecretKeyword(previous.keyword) && !previous.quoted
    if (mayBePassword) {
      out += text.slice(copied, token.start) + MASK
      copied = token.end
    } else if (isSecretKeyword(token.keyword)) {
      out += text.slice(copied, token.valueStart) + MASK
      copied = token.end
    }
  })
  if (cutAt === undefined) return out + text.slice(copied)
  return `${out}${text.slice(copied, cutAt)}${MASK}`
}
