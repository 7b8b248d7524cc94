// The record of one backup as an application stores and shows it (the kost app's `backups` table),
// derived from the manifest.
import type { BackupManifest } from '../manifest/manifest'
import { checkSignature } from '../manifest/sign-manifest'
import type { BackupCopy } from '../manager/copies-status'

export interface BackupRecord {
  id: string
  filename: string
  /** Bytes stored (compressed). */
  size: number
  type: 'manual' | 'scheduled'
  storagePath: string
  metadata: {
    /** Qualified names of the tables whose rows are in the backup. */
    tables: string[]
    recordCount: number
    /** Milliseconds the backup took. */
    duration: number
  }
  createdBy: string | null
  createdAt: Date
  sha256: string
  serverVersion: string
  database: string
  status: 'completed'
  /** The last verification (restore into a scratch database and compare), or null when never verified. */
  verified: { at: Date; ok: boolean } | null
  /** Pinned backups are kept by every cleanup (pin() / unpin()). */
  pinned: boolean
  /** The copies in the replicas (option `replicas`), one per replica in its order: ok, failed or pending. [] without replicas. */
  copies: BackupCopy[]
  /**
   * With a signing key (option `signing`): whether the manifest's signature checks out under one of the
   * configured keys and vouches for the bytes (`signature: 'valid'`); a manifest changed after signing,
   * signed with a key not configured, or signed without member checksums is not `signed`. Without a key: whether the manifest carries a signature, which nothing
   * checked (`signature: 'unchecked'`). Restore, verify and download check it again.
   */
  signed: boolean
  /**
   * The signature as checked against the configured keys: `valid`, `tampered` (the manifest does not
   * match its signature), `unknown-key` (signed with a key id not among the signing key and
   * previousKeys), `unsigned`, `no-member-checksums` (the signature checks out, but the manifest lists
   * no sha256 for its gzip members, so the backup's bytes cannot be checked against it); without a
   * signing key, `unchecked` for a manifest that carries a signature (it cannot be checked). Restore,
   * verify and download refuse `tampered`, `unknown-key` and `no-member-checksums` backups, and
   * `unsigned` ones while `signing.require` is on (manager/trust.ts); cleanup never counts them as the
   * newest (see RetentionCandidate.trusted). recordOf() always sets it.
   */
  signature?: SignatureState
  /**
   * A partial backup: its dump was limited to a selection (`tables`, `schemas`, `excludeTables`,
   * `excludeSchemas`, `excludeTableData`) or left out the definitions or the rows (`dataOnly`,
   * `schemaOnly`). A full backup has every schema and table, with definitions and rows. Retention's
   * guarantees always keep the newest full backup (see RetentionReason). recordOf() always sets it; a
   * record built elsewhere without it counts as full.
   */
  partial?: boolean
  /**
   * Base backups of the change archive only: the times restore(id, { until }) can reach, from the base's
   * start to the newest archived commit (null while nothing is archived), and how many segments hold them.
   */
  recoverable?: { from: Date; until: Date | null; untilLsn: string | null; segments: number }
}

/** What BackupRecord.signature says. */
export type SignatureState = 'valid' | 'tampered' | 'unknown-key' | 'unsigned' | 'unchecked' | 'no-member-checksums'

/**
 * BackupRecord.signature of a manifest, checked against `verifiers` (the signing keys by key id); without
 * them `unchecked` or `unsigned`. The state restore, verify, download and the records all go by
 * (manager/trust.ts decides from it which backups are used).
 */
export function signatureStateOf(manifest: BackupManifest, verifiers?: ReadonlyMap<string, Buffer>): SignatureState {
  if (!verifiers) return manifest.signature !== undefined ? 'unchecked' : 'unsigned'
  const { status } = checkSignature(manifest, verifiers)
  // A signed manifest vouches for the bytes only through the checksums it lists: the whole object's and
  // each gzip member's (a restore of some tables reads only theirs).
  if (status === 'valid' && manifest.members.some((m) => m.length > 0 && m.sha256 === undefined)) return 'no-member-checksums'
  return status
}

/** `verifiers`: the signing keys by key id (option `signing`), to check the signature with; without them it is `unchecked`. */
export function recordOf(
  manifest: BackupManifest,
  verified: { at: Date; ok: boolean } | null = null,
  pinned = false,
  copies: BackupCopy[] = [],
  verifiers?: ReadonlyMap<string, Buffer>,
): BackupRecord {
  const signature = signatureStateOf(manifest, verifiers)
  return {
    id: manifest.id,
    filename: manifest.filename,
    size: manifest.size,
    type: manifest.type,
    storagePath: manifest.storagePath,
    metadata: {
      tables: manifest.tables.map((t) => `${t.schema}.${t.name}`),
      recordCount: manifest.totals.rows,
      duration: manifest.durationMs,
    },
    createdBy: manifest.createdBy,
    createdAt: new Date(manifest.createdAt),
    sha256: manifest.sha256,
    serverVersion: manifest.server.version,
    database: manifest.server.database,
    status: manifest.status,
    verified,
    pinned,
    copies,
    signed: signature === 'valid' || signature === 'unchecked',
    signature,
    partial: isPartialDump(manifest.options),
  }
}

/** Whether dump options (a manifest's `options`) limit the dump to a selection, or to definitions or rows only. */
export function isPartialDump(options: Record<string, unknown>): boolean {
  const selects = (key: string) => Array.isArray(options[key]) && (options[key] as unknown[]).length > 0
  return ['tables', 'schemas', 'excludeTables', 'excludeSchemas', 'excludeTableData'].some(selects) || options.schemaOnly === true || options.dataOnly === true
}
