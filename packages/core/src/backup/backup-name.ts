// Backup object names as the app expects them: `<prefix>-YYYY-MM-DD-<epoch ms>-<id8>.sql.gz` under
// `<keyPrefix><year>/`, with the manifest beside it as `….manifest.json`. `<id8>` is the first 8 hex
// digits of the backup's id, so two backups started in the same millisecond (two hosts sharing the
// storage, a clock step) never share a key. Names written before it (`…-<epoch ms>.sql.gz`) still read.
// An encrypted backup's object is `….sql.gz.age` (an age file); its manifest, verify report and pin have
// the same names as a plain one's.
import { PgkeepError } from '../errors'

const NAME = /^(.+)-(\d{4})-(\d{2})-(\d{2})-(\d{13,})(?:-([0-9a-f]{8}))?\.sql\.gz$/

export interface BackupKeys {
  filename: string
  /** Storage key of the dump. */
  key: string
  /** Storage key of the manifest. */
  manifestKey: string
}

/** The keys of a new backup; `id` is its uuid (its first 8 hex digits go into the name). */
export function backupKeys(keyPrefix: string, namePrefix: string, at: Date, id: string, encrypted = false): BackupKeys {
  const day = at.toISOString().slice(0, 10)
  const filename = `${namePrefix}-${day}-${at.getTime()}-${nameTag(id)}.sql.gz${encrypted ? '.age' : ''}`
  const key = `${keyPrefix}${day.slice(0, 4)}/${filename}`
  return { filename, key, manifestKey: manifestKeyOf(key) }
}

export function manifestKeyOf(key: string): string {
  return `${key.replace(/\.sql\.gz(\.age)?$/, '')}.manifest.json`
}

/** Where the result of the last verification of a backup is kept. */
export function verifyKeyOf(key: string): string {
  return `${key.replace(/\.sql\.gz(\.age)?$/, '')}.verify.json`
}

/** Where a backup's pin is kept: its presence keeps the backup through every cleanup. */
export function pinKeyOf(key: string): string {
  return `${key.replace(/\.sql\.gz(\.age)?$/, '')}.pin.json`
}

/** The time a manifest key's name carries (epoch ms), or null when the key is not a backup manifest. Both name shapes, with and without the id tag. */
export function timeOfManifestKey(key: string): number | null {
  if (!key.endsWith('.manifest.json')) return null
  const match = NAME.exec(`${key.slice(key.lastIndexOf('/') + 1, -'.manifest.json'.length)}.sql.gz`)
  return match ? Number(match[5]) : null
}

// --- internal ---

/** The first 8 hex digits of a uuid, lower case. */
function nameTag(id: string): string {
  const tag = id.replace(/-/g, '').slice(0, 8).toLowerCase()
  if (!/^[0-9a-f]{8}$/.test(tag)) throw new PgkeepError('INTERNAL', `backup id ${JSON.stringify(id)} does not start with 8 hex digits`)
  return tag
}
