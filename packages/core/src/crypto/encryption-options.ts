// The manager's `encryption` (how new backups are encrypted) and `decryption` (what opens them for
// restore and verify) options, validated once. Messages name the field and never repeat its value:
// a passphrase or a secret key must not end up in a log through an options error.
import * as z from 'zod/mini'

/** bech32's alphabet (no 1, b, i, o); age keys are bech32 of 32 bytes: 52 data characters + 6 checksum. */
const BECH32 = '[02-9ac-hj-np-z]'
/** An X25519 recipient, `age1…` (the post-quantum `age1pq1…` and plugin recipients are not accepted: Debian's age 1.1.1 cannot decrypt them). */
export const RECIPIENT = new RegExp(`^age1${BECH32}{58}$`)
/** An X25519 identity as age-keygen writes it, `AGE-SECRET-KEY-1…` (upper case). */
export const IDENTITY = new RegExp(`^AGE-SECRET-KEY-1${BECH32.toUpperCase()}{58}$`)

export const EncryptionOptionsSchema = z.strictObject({
  /** Encrypt with a passphrase (age's scrypt recipient, work factor 2^18 as the age CLI uses). */
  passphrase: z.optional(z.string({ message: 'must be a string' }).check(z.minLength(1, 'must not be empty'))),
  /** Encrypt to these X25519 public keys (`age1…`, from age-keygen); any one of their secret keys decrypts. */
  recipients: z.optional(z
    .array(z.string({ message: 'must be a string' }).check(z.regex(RECIPIENT, 'must be an age X25519 public key (age1…, 62 characters)')), { message: 'must be a list of age1… public keys' })
    .check(z.minLength(1, 'must hold at least one age1… public key'))),
}, { message: 'must be { passphrase } or { recipients: [age1…] }' }).check(z.superRefine((o, ctx) => {
  if (o.passphrase !== undefined && o.recipients !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'give either passphrase or recipients, not both (age cannot combine them)' })
  } else if (o.passphrase === undefined && o.recipients === undefined) {
    ctx.addIssue({ code: 'custom', message: 'give a passphrase or recipients (age1… public keys)' })
  }
}))

export const DecryptionOptionsSchema = z.strictObject({
  /** The passphrase of passphrase-encrypted backups. @default encryption.passphrase */
  passphrase: z.optional(z.string({ message: 'must be a string' }).check(z.minLength(1, 'must not be empty'))),
  /** Secret keys (`AGE-SECRET-KEY-1…`) of recipient-encrypted backups; each is tried. */
  identities: z.optional(z
    .array(z.string({ message: 'must be a string' }).check(z.regex(IDENTITY, 'must be an age X25519 secret key (AGE-SECRET-KEY-1…, 74 characters)')), { message: 'must be a list of AGE-SECRET-KEY-1… keys' })),
}, { message: 'must be { passphrase?, identities? }' })

export type EncryptionOptions = z.input<typeof EncryptionOptionsSchema>
export type DecryptionOptions = z.input<typeof DecryptionOptionsSchema>

/** Resolved encryption of new backups. */
export type EncryptionSettings = { passphrase: string; recipients?: undefined } | { recipients: string[]; passphrase?: undefined }

/** What restore and verify try on an encrypted backup. */
export interface DecryptionKeys {
  passphrase: string | null
  identities: string[]
}

/**
 * The keys to try: `decryption`'s, with the passphrase of `encryption` when `decryption` names none
 * (so a manager that encrypts with a passphrase reads its own backups without repeating it).
 */
export function decryptionKeys(options: { encryption?: { passphrase?: string | undefined } | undefined; decryption?: { passphrase?: string | undefined; identities?: string[] | undefined } | undefined }): DecryptionKeys {
  return {
    passphrase: options.decryption?.passphrase ?? options.encryption?.passphrase ?? null,
    identities: options.decryption?.identities ?? [],
  }
}

/** What the manifest records: how, and to whom, never with what. */
export interface ManifestEncryption {
  format: 'age'
  method: 'scrypt' | 'x25519'
  /** The recipients' public keys (x25519); empty for a passphrase. */
  recipients: string[]
}

export function manifestEncryption(settings: EncryptionSettings): ManifestEncryption {
  return settings.recipients
    ? { format: 'age', method: 'x25519', recipients: [...settings.recipients] }
    : { format: 'age', method: 'scrypt', recipients: [] }
}
