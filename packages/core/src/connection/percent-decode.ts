// Percent-decoding of URI parts the way libpq does it: every %XX becomes one byte, %00 is refused,
// nothing else (not even '+') is translated. Errors name the part, never echo a secret value.

import { PgkeepError } from '../errors.js'

/**
 * Decode `text`, the `part` of a URI ("host", "password", …). When `secret` is set the error
 * message does not quote the text.
 */
export function percentDecode(text: string, part: string, secret = false): string {
  if (!text.includes('%')) return text
  const bytes: number[] = []
  const raw = Buffer.from(text, 'utf8')
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!
    if (byte !== 0x25) {
      bytes.push(byte)
      continue
    }
    const hex = raw.subarray(i + 1, i + 3).toString('latin1')
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
      throw invalid(`invalid percent-encoded token in the uri's ${part}`, text, secret)
    }
    const value = Number.parseInt(hex, 16)
    if (value === 0) throw invalid(`forbidden value %00 in the uri's ${part}`, text, secret)
    bytes.push(value)
    i += 2
  }
  return Buffer.from(bytes).toString('utf8')
}

function invalid(message: string, text: string, secret: boolean): PgkeepError {
  return new PgkeepError('CONNECTION_INVALID', secret ? message : `${message}: "${text}"`)
}
