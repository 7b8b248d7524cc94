// Signed download tokens: a token verifies only with the secret that signed it, for the backup it
// names, before it expires; any change to payload or signature is refused.
import { describe, expect, it } from 'vitest'
import { signDownloadToken, verifyDownloadToken } from '../../src/http/download-token'

const secret = 'a'.repeat(40)
const id = '4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f'
const now = new Date('2026-12-04T12:00:00Z')
const exp = now.getTime() / 1000 + 3600

describe('download tokens', () => {
  it('verifies a fresh token and hands back its claims', () => {
    const token = signDownloadToken({ id, exp, actor: 'admin@kostman.test' }, secret)
    expect(verifyDownloadToken(token, id, secret, now)).toEqual({ ok: true, claims: { id, exp, actor: 'admin@kostman.test' } })
  })

  it('refuses an expired token, to the second', () => {
    const token = signDownloadToken({ id, exp, actor: null }, secret)
    expect(verifyDownloadToken(token, id, secret, new Date(exp * 1000 - 1000)).ok).toBe(true)
    expect(verifyDownloadToken(token, id, secret, new Date(exp * 1000))).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses a token for another backup', () => {
    const token = signDownloadToken({ id, exp, actor: null }, secret)
    expect(verifyDownloadToken(token, '00000000-0000-4000-8000-000000000000', secret, now)).toEqual({ ok: false, reason: 'other-backup' })
  })

  it('refuses a token signed with another secret', () => {
    const token = signDownloadToken({ id, exp, actor: null }, 'b'.repeat(40))
    expect(verifyDownloadToken(token, id, secret, now)).toEqual({ ok: false, reason: 'signature' })
  })

  it('refuses a tampered payload (a later expiry) and a tampered signature', () => {
    const token = signDownloadToken({ id, exp, actor: 'staff' }, secret)
    const [, signature] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ i: id, e: exp + 86400, a: 'staff' })).toString('base64url')
    expect(verifyDownloadToken(`${forged}.${signature}`, id, secret, now)).toEqual({ ok: false, reason: 'signature' })
    const last = token.at(-1) === 'A' ? 'B' : 'A'
    expect(verifyDownloadToken(token.slice(0, -1) + last, id, secret, now)).toEqual({ ok: false, reason: 'signature' })
    expect(verifyDownloadToken(token.slice(0, -4), id, secret, now)).toEqual({ ok: false, reason: 'signature' })
  })

  it('refuses text that is not a token', () => {
    for (const bad of ['', 'abc', 'a.b.c', '.sig']) expect(verifyDownloadToken(bad, id, secret, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed|signature/) })
  })
})
