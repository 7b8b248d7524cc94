// The SCRAM-SHA-256 verifier verify stores for its scratch role: node-postgres's own SCRAM client logs
// in against it, checked the way the server checks (the client proof against StoredKey), and accepts
// the server signature made with its ServerKey. A wrong password does not pass.
import { createHash, createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { parseMark } from '../../src/restore/database-mark'
import { scramVerifier } from '../../src/backup/scram-verifier'

interface SaslSession { message: string; response: string; clientNonce: string }
const sasl = createRequire(import.meta.url)('pg/lib/crypto/sasl') as {
  startSession(mechanisms: string[]): SaslSession
  continueSession(session: SaslSession, password: string, serverData: string): Promise<void>
  finalizeSession(session: SaslSession, serverData: string): void
}

/** One SCRAM exchange: pg's client with `password`, a server holding `verifier`. Whether the server accepts the proof, and whether the client then accepts the server. */
async function login(verifier: string, password: string): Promise<{ serverAccepts: boolean; clientAccepts: boolean }> {
  const [, iterations, salt, storedKey, serverKey] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!
  const session = sasl.startSession(['SCRAM-SHA-256'])
  const clientFirstBare = session.response.slice('n,,'.length)
  const serverFirst = `r=${session.clientNonce}server-nonce,s=${salt},i=${iterations}`
  await sasl.continueSession(session, password, serverFirst)
  const [withoutProof, proof] = session.response.split(',p=') as [string, string]
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
  const clientSignature = createHmac('sha256', Buffer.from(storedKey!, 'base64')).update(authMessage).digest()
  const clientKey = Buffer.from(proof, 'base64').map((b, i) => b ^ clientSignature[i]!)
  const serverAccepts = createHash('sha256').update(clientKey).digest().equals(Buffer.from(storedKey!, 'base64'))
  const serverSignature = createHmac('sha256', Buffer.from(serverKey!, 'base64')).update(authMessage).digest('base64')
  let clientAccepts = true
  try {
    sasl.finalizeSession(session, `v=${serverSignature}`)
  } catch {
    clientAccepts = false
  }
  return { serverAccepts, clientAccepts }
}

describe('scramVerifier', () => {
  it('is what PostgreSQL stores: a SCRAM client with the password logs in, and one with another password does not', async () => {
    const verifier = scramVerifier('kost-scratch-pw')
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/)
    expect(await login(verifier, 'kost-scratch-pw')).toEqual({ serverAccepts: true, clientAccepts: true })
    expect(await login(verifier, 'kost-scratch-pX')).toEqual({ serverAccepts: false, clientAccepts: false })
    expect(scramVerifier('kost-scratch-pw')).not.toBe(verifier)
  })
})

describe('parseMark', () => {
  it('reads the marks pgkeep writes and nothing else', () => {
    expect(parseMark('pgkeep:scratch verify 0b7c6a2e-1111-4222-8333-944445555666 pid 42 host kost-1 at 2026-12-04T10:00:00.000Z')).toEqual({
      kind: 'scratch', backupId: '0b7c6a2e-1111-4222-8333-944445555666', pid: 42, host: 'kost-1', at: new Date('2026-12-04T10:00:00.000Z'),
    })
    expect(parseMark('pgkeep:created restore pid 7 host kost-1 at 2026-12-04T10:00:00.000Z')).toMatchObject({ kind: 'created', backupId: null, pid: 7 })
    for (const other of [null, '', 'pgkeep:scratch', 'the accounts team keeps this', 'pgkeep:scratch verify x pid 1 host h at yesterday', ' pgkeep:created restore pid 7 host h at 2026-12-04T10:00:00.000Z']) {
      expect(parseMark(other), String(other)).toBeNull()
    }
  })
})
