// Backup history read from storage: every manifest under the key prefix is one completed backup.
// Manifests never change once written, so each is read once and kept.
import { manifestKeyOf, pinKeyOf, timeOfManifestKey, verifyKeyOf } from '../backup/backup-name'
import type { VerifyReport } from '../backup/verify-backup'
import { isPgkeepError } from '../errors'
import { PgkeepError } from '../errors'

import { parseManifest, type BackupManifest } from '../manifest/manifest'
import type { StorageDriver } from '../storage/driver'
import { readText } from './read-text'

/** Manifests are small; a larger object under a manifest name is not one of ours. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024

export class BackupIndex {
  private readonly manifests = new Map<string, BackupManifest>()
  private readonly verifications = new Map<string, { at: Date; ok: boolean } | null>()
  /** Pin key → pinned; refreshed by every listing, so another instance's pin shows at the next list(). */
  private readonly pins = new Map<string, boolean>()

  /** Manifest key → why it is not a valid manifest, as of the last listing that read it. */
  private readonly invalidKeys = new Map<string, string>()

  /**
   * `onInvalid` hears of each manifest a listing skips (foreign, damaged, a future format), every time:
   * listings never stop at one bad object, so that retention and metrics carry on.
   */
  constructor(
    private readonly storage: StorageDriver,
    private readonly keyPrefix: string,
    private readonly onInvalid: (key: string, reason: string) => void = () => {},
  ) {}

  /** The manifests the last listings skipped as invalid (key and reason), in key order. */
  invalid(): { key: string; reason: string }[] {
    return [...this.invalidKeys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, reason]) => ({ key, reason }))
  }

  /** Manifest keys, newest first (by the time in their names). */
  async keys(): Promise<{ key: string; time: number }[]> {
    const found: { key: string; time: number }[] = []
    const sidecars = new Set<string>()
    for await (const object of this.storage.list(this.keyPrefix)) {
      const time = timeOfManifestKey(object.key)
      if (time !== null) found.push({ key: object.key, time })
      else if (object.key.endsWith('.pin.json') || object.key.endsWith('.verify.json')) sidecars.add(object.key)
    }
    this.refreshSidecars(found, sidecars)
    const listed = new Set(found.map((f) => f.key))
    for (const key of [...this.invalidKeys.keys()]) if (!listed.has(key)) this.invalidKeys.delete(key)
    return found.sort((a, b) => b.time - a.time || (a.key < b.key ? 1 : -1))
  }

  async read(key: string): Promise<BackupManifest> {
    const cached = this.manifests.get(key)
    if (cached) return cached
    const manifest = parseManifest(await readText(this.storage, key, MAX_MANIFEST_BYTES), key)
    if (manifestKeyOf(manifest.storagePath) !== key) {
      throw new PgkeepError('BACKUP_CORRUPT', `manifest ${key} describes ${manifest.storagePath}, which does not belong to it`)
    }
    this.manifests.set(key, manifest)
    return manifest
  }

  remember(manifest: BackupManifest): void {
    this.manifests.set(manifestKeyOf(manifest.storagePath), manifest)
  }

  forget(manifest: BackupManifest): void {
    this.manifests.delete(manifestKeyOf(manifest.storagePath))
    this.verifications.delete(verifyKeyOf(manifest.storagePath))
    this.pins.delete(pinKeyOf(manifest.storagePath))
  }

  /** Whether the backup is pinned (its `.pin.json` exists). */
  async pinned(manifest: BackupManifest): Promise<boolean> {
    const key = pinKeyOf(manifest.storagePath)
    const cached = this.pins.get(key)
    if (cached !== undefined) return cached
    const pinned = (await this.storage.stat(key)) !== null
    this.pins.set(key, pinned)
    return pinned
  }

  rememberPin(manifest: BackupManifest, pinned: boolean): void {
    this.pins.set(pinKeyOf(manifest.storagePath), pinned)
  }

  /** What a listing saw of pins and verification reports, which other instances may have written or removed. */
  private refreshSidecars(manifests: { key: string }[], sidecars: Set<string>): void {
    for (const { key } of manifests) {
      const base = key.slice(0, -'.manifest.json'.length)
      this.pins.set(`${base}.pin.json`, sidecars.has(`${base}.pin.json`))
      const verifyKey = `${base}.verify.json`
      const cached = this.verifications.get(verifyKey)
      if (cached !== undefined && (cached !== null) !== sidecars.has(verifyKey)) this.verifications.delete(verifyKey)
    }
  }

  /** Newest first; `before` keeps backups created strictly earlier. */
  async list(options: { limit?: number; before?: Date } = {}): Promise<BackupManifest[]> {
    const out: BackupManifest[] = []
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    for (const { key, time } of await this.keys()) {
      if (out.length >= limit) break
      if (options.before && time >= options.before.getTime()) continue
      const manifest = await this.readValid(key)
      if (manifest) out.push(manifest)
    }
    return out
  }

  /** The manifest, or null (reported) when the object under its key is not a valid pgkeep manifest. */
  private async readValid(key: string): Promise<BackupManifest | null> {
    try {
      const manifest = await this.read(key)
      this.invalidKeys.delete(key)
      return manifest
    } catch (error) {
      if (!(isPgkeepError(error) && error.code === 'BACKUP_CORRUPT')) throw error
      this.invalidKeys.set(key, error.message)
      this.onInvalid(key, error.message)
      return null
    }
  }

  /** The last verification of a backup, from its `.verify.json` beside it. */
  async verification(manifest: BackupManifest): Promise<{ at: Date; ok: boolean } | null> {
    const key = verifyKeyOf(manifest.storagePath)
    if (this.verifications.has(key)) return this.verifications.get(key)!
    let result: { at: Date; ok: boolean } | null = null
    try {
      const report = JSON.parse(await readText(this.storage, key, MAX_MANIFEST_BYTES)) as Partial<VerifyReport>
      if (typeof report.verifiedAt === 'string' && typeof report.ok === 'boolean') result = { at: new Date(report.verifiedAt), ok: report.ok }
    } catch (error) {
      if (!(isPgkeepError(error) && error.code === 'STORAGE_NOT_FOUND')) throw error
    }
    this.verifications.set(key, result)
    return result
  }

  rememberVerification(manifest: BackupManifest, report: VerifyReport): void {
    this.verifications.set(verifyKeyOf(manifest.storagePath), { at: new Date(report.verifiedAt), ok: report.ok })
  }

  async find(id: string): Promise<BackupManifest> {
    for (const manifest of this.manifests.values()) if (manifest.id === id) return manifest
    for (const { key } of await this.keys()) {
      const manifest = await this.readValid(key)
      if (manifest?.id === id) return manifest
    }
    throw new PgkeepError('BACKUP_NOT_FOUND', `no backup has the id ${id}`)
  }
}
