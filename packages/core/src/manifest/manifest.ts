// The manifest: written last, beside the dump, it is what makes a backup a backup. It records what
// the dump holds and where each table's gzip member lies, so a backup can be checked, listed without
// reading the dump, and one table restored by a ranged read. History is the set of manifests.
import * as z from 'zod/mini'
import { PgkeepError } from '../errors'
import { ENGLISH } from '../zod-english'

export const MANIFEST_FORMAT = 'pgkeep-backup'
export const MANIFEST_VERSION = 1

const member = z.object({ offset: z.number().check(z.int(), z.nonnegative()), length: z.number().check(z.int(), z.nonnegative()) })

export const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  formatVersion: z.literal(MANIFEST_VERSION),
  id: z.uuid(),
  type: z.enum(['manual', 'scheduled']),
  status: z.literal('completed'),
  filename: z.string(),
  storagePath: z.string(),
  createdBy: z.nullable(z.string()),
  /** Scheduled backups: the schedule occurrence this backup is for (one backup per occurrence across instances). */
  scheduledFor: z.optional(z.iso.datetime()),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime(),
  pgkeepVersion: z.string(),
  server: z.object({ version: z.string(), database: z.string(), style: z.number().check(z.int()) }),
  /** The dump options used (connection left out). */
  options: z.record(z.string(), z.unknown()),
  compression: z.object({ codec: z.literal('gzip'), level: z.number().check(z.int(), z.minimum(0), z.maximum(9)) }),
  /**
   * Present when the stored object is an age file (the gzip stream encrypted after compression): how
   * and to whom, never a key or passphrase. `size` and `sha256` are then the encrypted bytes'; member
   * offsets are positions in the decrypted gzip stream.
   */
  encryption: z.optional(z.object({
    format: z.literal('age'),
    method: z.enum(['scrypt', 'x25519']),
    /** The recipients' public keys (age1…) for x25519; empty for a passphrase. */
    recipients: z.array(z.string()),
  })),
  /** Bytes stored, and their sha256. */
  size: z.number().check(z.int(), z.nonnegative()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  uncompressedBytes: z.number().check(z.int(), z.nonnegative()),
  durationMs: z.number().check(z.int(), z.nonnegative()),
  /** Sums over `tables`: how many, their rows, their COPY bytes. */
  totals: z.object({ tables: z.number().check(z.int(), z.nonnegative()), rows: z.number().check(z.int(), z.nonnegative()), bytes: z.number().check(z.int(), z.nonnegative()) }),
  tables: z.array(z.object({
    schema: z.string(),
    name: z.string(),
    rows: z.number().check(z.int(), z.nonnegative()),
    /** COPY text bytes and their sha256 (what `COPY table TO STDOUT` of a faithful restore produces). */
    bytes: z.number().check(z.int(), z.nonnegative()),
    sha256: z.string(),
    member,
  })),
  /** Sequence values the backup sets (`value` as text: sequences are bigint). */
  sequences: z.array(z.object({ schema: z.string(), name: z.string(), value: z.string(), isCalled: z.boolean() })),
  /**
   * The file's parts in order, each one or more gzip members back to back (a table's data is compressed
   * in 256 KiB blocks, a member each; older versions wrote one member per part); `label` names a table's.
   */
  members: z.array(z.extend(member, {
    label: z.nullable(z.string()),
    uncompressed: z.number().check(z.int(), z.nonnegative()),
    /** sha256 of the member's gzip bytes (absent in manifests of older versions): a signed backup's reads are checked member by member. */
    sha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
  })),
  largeObjects: z.number().check(z.int(), z.nonnegative()),
  warnings: z.array(z.string()),
  /**
   * Present on the base backup of a change archive (manager.archive()): the dump ran in the snapshot the
   * slot exported, so it holds exactly what committed before `startLsn`, and the chain's segments
   * (logical/chain.ts: under chainPrefixOf(storagePath)) hold what committed after it.
   */
  changes: z.optional(z.object({
    slot: z.string(),
    publication: z.string(),
    /** The slot's consistent point, as PostgreSQL prints an LSN (`16/B374D848`). */
    startLsn: z.string().check(z.regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/)),
    /** The id of the chain before this one, when a schema change ended it. */
    previousChain: z.optional(z.string()),
  })),
  /**
   * Present when the manager has a signing key: HMAC-SHA256 of the manifest's canonical JSON without
   * this field (sign-manifest.ts), under the key whose id (first 8 hex digits of its sha256) is `keyId`.
   */
  signature: z.optional(z.object({
    algorithm: z.literal('hmac-sha256'),
    keyId: z.string().check(z.regex(/^[0-9a-f]{8}$/)),
    value: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  })),
})

export type BackupManifest = z.infer<typeof ManifestSchema>

export function parseManifest(text: string, key: string): BackupManifest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new PgkeepError('BACKUP_CORRUPT', `manifest ${key} is not valid JSON`, { cause: error })
  }
  const result = ManifestSchema.safeParse(json, ENGLISH)
  if (!result.success) {
    const first = result.error.issues[0]
    throw new PgkeepError('BACKUP_CORRUPT', `manifest ${key} is not a pgkeep backup manifest (${first?.path.join('.') || 'root'}: ${first?.message})`, { cause: result.error })
  }
  return result.data
}

export function serializeManifest(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}
