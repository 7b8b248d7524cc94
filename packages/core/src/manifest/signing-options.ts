// The manager's `signing` option: the key that signs new manifests, older keys that still verify, and
// whether unsigned backups are refused. Validated once; messages never repeat a key.
import * as z from 'zod/mini'
import { KEY_FORMS, keyIdOf, signingKeyBytes } from './signing-key'

const keyInput = z
  .custom<string | Uint8Array>((v) => typeof v === 'string' || v instanceof Uint8Array, { message: 'must be a string (hex, base64 or text) or bytes' })
  .check(z.superRefine((v, ctx) => {
    if (signingKeyBytes(v) === null) ctx.addIssue({ code: 'custom', message: `is too short: a signing key must be ${KEY_FORMS}` })
  }))

export const SigningOptionsSchema = z.pipe(z.strictObject({
  /** Signs every new backup's manifest (HMAC-SHA256) and verifies the backups it signed. At least 32 bytes: 64+ hex digits, base64 of 32+ bytes, or 32+ characters. */
  key: keyInput,
  /** Earlier keys, kept after a rotation: they verify the backups they signed, never sign. @default [] */
  previousKeys: z._default(z.array(keyInput, { message: 'must be a list of keys' }), []),
  /** Refuse unsigned backups (restore, verify, download); without it an unsigned backup is allowed with a `backup-unsigned` alert. @default false */
  require: z._default(z.boolean({ message: 'must be true or false' }), false),
}, { message: 'must be { key, previousKeys?, require? }' }), z.transform((o): SigningKeys => {
  const key = signingKeyBytes(o.key)!
  const verifiers = new Map<string, Buffer>()
  for (const bytes of [key, ...o.previousKeys.map((k) => signingKeyBytes(k)!)]) {
    const id = keyIdOf(bytes)
    if (!verifiers.has(id)) verifiers.set(id, bytes)
  }
  return { key, keyId: keyIdOf(key), verifiers, require: o.require }
}))

export type SigningOptions = z.input<typeof SigningOptionsSchema>

/** Resolved signing settings. */
export interface SigningKeys {
  /** The key that signs. */
  key: Buffer
  keyId: string
  /** Every key that verifies (the signing key and the previous ones), by key id. */
  verifiers: Map<string, Buffer>
  require: boolean
}
