// Signed manifests: an HMAC-SHA256, under the manager's signing key, of the manifest's canonical JSON
// without its `signature` field. The manifest holds the stored object's size and sha256 and every gzip
// member's sha256, so the signature covers the dump's bytes too, whole and member by member. The change
// archive's segment manifests are signed the same way (logical/sealed-segments.ts).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { canonicalJson } from './canonical-json'
import type { SigningKeys } from './signing-options'

export const SIGNATURE_ALGORITHM = 'hmac-sha256'

/** What a manifest's signature says, checked against the configured keys. */
export type SignatureCheck =
  | { status: 'unsigned' }
  | { status: 'valid'; keyId: string }
  | { status: 'unknown-key'; keyId: string }
  | { status: 'tampered'; keyId: string }

/** A manifest's `signature` field. */
export interface ManifestSignature {
  algorithm: typeof SIGNATURE_ALGORITHM
  keyId: string
  value: string
}

/** Any JSON manifest that may carry a signature (a backup's, a change segment's). */
type Signable = { signature?: ManifestSignature | undefined }

/** The manifest with its signature (any earlier one replaced). */
export function signManifest<T extends Signable>(manifest: T, keys: Pick<SigningKeys, 'key' | 'keyId'>): T {
  return { ...manifest, signature: { algorithm: SIGNATURE_ALGORITHM, keyId: keys.keyId, value: mac(manifest, keys.key).toString('hex') } }
}

export function checkSignature(manifest: Signable, verifiers: ReadonlyMap<string, Buffer>): SignatureCheck {
  const signature = manifest.signature
  if (!signature) return { status: 'unsigned' }
  const key = verifiers.get(signature.keyId)
  if (!key) return { status: 'unknown-key', keyId: signature.keyId }
  const expected = mac(manifest, key)
  const given = Buffer.from(signature.value, 'hex')
  // Constant time: how much of a forged value matches must not show in how long the check takes.
  const ok = given.length === expected.length && timingSafeEqual(given, expected)
  return ok ? { status: 'valid', keyId: signature.keyId } : { status: 'tampered', keyId: signature.keyId }
}

function mac(manifest: Signable, key: Buffer): Buffer {
  const { signature: _signature, ...content } = manifest
  return createHmac('sha256', key).update(canonicalJson(content), 'utf8').digest()
}
