// Backup object names as the app expects them: `<prefix>-YYYY-MM-DD-<epoch ms>.sql.gz` under
// `<keyPrefix><year>/`, with the manifest beside it as `….manifest.json`. An encrypted backup's object
// is `….sql.gz.age` (an age file); its manifest, verify report and pin have the same names as a plain one's.

const NAME = /^(.+)-(\d{4})-(\d{2})-(\d{2})-(\d{13,})\.sql\.gz$/

export interface BackupKeys {
  filename: string
  /** Storage key of the dump. */
  key: string
  /** Storage key of the manifest. */
  manifestKey: string
}

export function backupKeys(keyPrefix: string, namePrefix: string, at: Date, encrypted = false): BackupKeys {
  const day = at.toISOString().slice(0, 10)
  const filename = `${namePrefix}-${day}-${at.getTime()}.sql.gz${encrypted ? '.age' : ''}`
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

/** The time a manifest key's name carries (epoch ms), or null when the key is not a backup manifest. */
export function timeOfManifestKey(key: string): number | null {
  if (!key.endsWith('.manifest.json')) return null
  const match = NAME.exec(`${key.slice(key.lastIndexOf('/') + 1, -'.manifest.json'.length)}.sql.gz`)
  return match ? Number(match[5]) : null
}
