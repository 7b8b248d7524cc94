// A fresh X25519 key pair for recipient-encrypted backups, the same kind `age-keygen` makes: the
// public key (age1…) goes into the app's `encryption.recipients`, the secret key stays off the server.
import { loadAge } from './load-age'

export interface AgeKeyPair {
  /** The secret key, `AGE-SECRET-KEY-1…`: decrypts; keep it where the backups are restored, not where they are made. */
  identity: string
  /** The public key, `age1…`: encrypts. */
  recipient: string
}

export async function generateAgeKeyPair(): Promise<AgeKeyPair> {
  const { generateX25519Identity, identityToRecipient } = await loadAge()
  const identity = await generateX25519Identity()
  return { identity, recipient: await identityToRecipient(identity) }
}

/** The key file as age-keygen writes it: two comment lines, then the secret key. */
export function ageKeyFile(pair: AgeKeyPair, createdAt: Date): string {
  return `# created: ${createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${pair.recipient}\n${pair.identity}\n`
}
