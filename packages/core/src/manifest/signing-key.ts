// A signing key as given (hex, base64, a long string, or bytes) turned into its bytes, and its key id.
// Messages say what is wrong with a key, never what it is: a key must not reach a log through an error.
import { createHash } from 'node:crypto'

/** Fewest bytes a signing key may have (HMAC-SHA256's output size). */
export const MIN_KEY_BYTES = 32

export const KEY_FORMS = `64 or more hex digits, base64 of ${MIN_KEY_BYTES} or more bytes, or a text of ${MIN_KEY_BYTES} or more characters`

/**
 * The key's bytes, or null when it has fewer than 32. A string of hex digits only is hex (64+ digits);
 * one with base64 padding (`=`) or `+` or `/` that is exactly the base64 of its bytes is base64 (of
 * 32+ bytes); any other string is its UTF-8 text (32+ characters). Whitespace at either end is
 * ignored (a key read from a file ends with a newline).
 */
export function signingKeyBytes(key: string | Uint8Array): Buffer | null {
  if (key instanceof Uint8Array) return key.length >= MIN_KEY_BYTES ? Buffer.from(key) : null
  const text = key.trim()
  if (/^[0-9a-fA-F]+$/.test(text)) return text.length % 2 === 0 && text.length >= MIN_KEY_BYTES * 2 ? Buffer.from(text, 'hex') : null
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && /[=+/]/.test(text) && text.length % 4 === 0) {
    const bytes = Buffer.from(text, 'base64')
    if (bytes.toString('base64') === text) return bytes.length >= MIN_KEY_BYTES ? bytes : null
  }
  return [...text].length >= MIN_KEY_BYTES ? Buffer.from(text, 'utf8') : null
}

/** The key id a manifest names its key by: the first 8 hex digits of the sha256 of the key's bytes. */
export function keyIdOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 8)
}
