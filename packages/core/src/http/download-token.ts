// Signed, expiring download tokens for storage that cannot presign (folders): the download route hands
// out `<prefix>/file/<id>?token=…`, and the file route streams the backup only for a token that this
// app signed (HMAC-SHA256 over the backup id, expiry and actor), that has not expired, and that names
// the backup asked for. Compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface DownloadTokenClaims {
  /** The backup id. */
  id: string
  /** Expiry, epoch seconds. */
  exp: number
  /** Who was handed the URL (audited when the file is fetched). */
  actor: string | null
}

export type TokenCheck = { ok: true; claims: DownloadTokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'other-backup' }

export function signDownloadToken(claims: DownloadTokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ i: claims.id, e: claims.exp, a: claims.actor }), 'utf8').toString('base64url')
  return `${payload}.${mac(payload, secret)}`
}

/** Checks the signature first, then the expiry (against `now`) and that the token is for backup `id`. */
export function verifyDownloadToken(token: string, id: string, secret: string, now: Date = new Date()): TokenCheck {
  const dot = token.indexOf('.')
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'malformed' }
  const payload = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1), 'base64url')
  const expected = Buffer.from(mac(payload, secret), 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' }
  let claims: DownloadTokenClaims
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; e?: unknown; a?: unknown }
    if (typeof raw.i !== 'string' || typeof raw.e !== 'number' || !(raw.a === null || typeof raw.a === 'string')) return { ok: false, reason: 'malformed' }
    claims = { id: raw.i, exp: raw.e, actor: raw.a }
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' }
  if (claims.id !== id) return { ok: false, reason: 'other-backup' }
  return { ok: true, claims }
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url')
}
