// age's passphrase recipient (the `scrypt` stanza, https://age-encryption.org/v1 section "scrypt
// recipient stanza") on node:crypto, plugged into age-encryption through its Recipient / Identity
// interfaces. typage derives the key with a pure-JS scrypt that blocks the event loop for a second or
// two and leaves its 256 MiB work area (N = 2^18, r = 8) to the next full GC, which a streaming backup
// may not trigger for its whole run; OpenSSL's scrypt runs on the thread pool and frees it at once.
// Same stanza, same bytes: the age command and typage read what this writes, and the other way round.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import type { Identity, Recipient, Stanza } from 'age-encryption'
import { loadAge } from './load-age'

const LABEL = 'age-encryption.org/v1/scrypt'
/** 2^18, what the age command and typage use. */
export const SCRYPT_WORK_FACTOR = 18
/** Refused above this when decrypting, as typage does (2^20 needs 1 GiB). */
const MAX_WORK_FACTOR = 20
const SALT = /^[A-Za-z0-9+/]{22}$/ // 16 bytes, unpadded base64

export class ScryptRecipient implements Recipient {
  constructor(private readonly passphrase: string, private readonly logN = SCRYPT_WORK_FACTOR) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16)
    const key = await derive(this.passphrase, salt, this.logN)
    const { Stanza } = await loadAge()
    return [new Stanza(['scrypt', salt.toString('base64').replace(/=+$/, ''), String(this.logN)], seal(key, fileKey))]
  }
}

export class ScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const s of stanzas) {
      if (s.args[0] !== 'scrypt') continue
      // The messages are typage's, so that both implementations fail alike.
      if (stanzas.length !== 1) throw new Error('scrypt recipient is not the only one in the header')
      if (s.args.length !== 3 || !SALT.test(s.args[1]!) || !/^[1-9][0-9]*$/.test(s.args[2]!)) throw new Error('invalid scrypt stanza')
      const logN = Number(s.args[2])
      if (logN > MAX_WORK_FACTOR) throw new Error('scrypt work factor is too high')
      if (s.body.length !== 32) throw new Error('invalid stanza')
      const key = await derive(this.passphrase, Buffer.from(s.args[1]!, 'base64'), logN)
      const fileKey = open(key, s.body)
      if (fileKey !== null) return fileKey
    }
    return null
  }
}

function derive(passphrase: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN
  return new Promise((resolve, reject) => {
    scrypt(passphrase, Buffer.concat([Buffer.from(LABEL, 'latin1'), salt]), 32, { N, r: 8, p: 1, maxmem: 128 * N * 8 + 1024 * 1024 }, (error, key) => {
      if (error) reject(error)
      else resolve(key)
    })
  })
}

/** ChaCha20-Poly1305 with the all-zero nonce (the key is used once): 16-byte file key + 16-byte tag. */
function seal(key: Buffer, fileKey: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
  return Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()])
}

function open(key: Buffer, body: Uint8Array): Uint8Array | null {
  const decipher = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
  decipher.setAuthTag(body.subarray(16))
  try {
    return Buffer.concat([decipher.update(body.subarray(0, 16)), decipher.final()])
  } catch {
    return null // not this passphrase
  }
}
