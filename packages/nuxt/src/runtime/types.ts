// The shape of the module's private runtime config (`useRuntimeConfig().pgkeep`), shared by the module
// (which fills it from its options) and the server runtime (which reads it).
import type { RateLimitOption } from '@pgkeep/core'

/** One replica in the runtime config. */
export interface ReplicaConfig {
  dir?: string
  s3?: { bucket: string; endpoint?: string; port?: string | number; useSsl?: string | boolean; accessKey?: string; secretKey?: string; region?: string }
  name?: string
  keepDays?: string | number
}

/**
 * The alert thresholds (NUXT_PGKEEP_ALERT_SIZE_ABOVE, _STORAGE_QUOTA, _STORAGE_QUOTA_FRACTION,
 * _NO_SUCCESS_HOURS, _ARCHIVE_LAG, _ARCHIVE_LAG_SECONDS), as core's PGKEEP_ALERT_* variables take them:
 * sizes in bytes or with a unit (500MB, 2GB), hours and seconds above 0, the fraction above 0 and at most
 * 1. '' leaves a key to its PGKEEP_ALERT_* variable.
 */
export interface AlertRuntimeConfig {
  sizeAbove: string | number
  storageQuota: string | number
  storageQuotaFraction: string | number
  noSuccessHours: string | number
  archiveLag: string | number
  archiveLagSeconds: string | number
}

/** The private runtime config the module owns (`useRuntimeConfig().pgkeep`). Secrets live only here. */
export interface PgkeepRuntimeConfig {
  /** NUXT_PGKEEP_DATABASE_URL; empty: DATABASE_URL, else the PG* variables. */
  databaseUrl: string
  storageDir: string
  namePrefix: string
  /** NUXT_PGKEEP_S3_BUCKET etc.; a bucket selects S3 storage. */
  s3: { bucket: string; endpoint: string; port: string; useSsl: string; accessKey: string; secretKey: string; region: string }
  /**
   * NUXT_PGKEEP_REPLICAS: copies of every backup in more storages, as a JSON array (or the array itself) of
   * `{ dir }` or `{ s3: { bucket, endpoint, port, useSsl, accessKey, secretKey, region } }`, each with optional
   * `name` and `keepDays`; '' for none. Becomes PGKEEP_REPLICA_<n>_* for core (which PGKEEP_REPLICA_* variables also reach).
   */
  replicas: ReplicaConfig[] | string
  /** NUXT_PGKEEP_ENCRYPTION_PASSPHRASE: encrypt new backups with age. */
  encryptionPassphrase: string
  /** NUXT_PGKEEP_TOKEN_SECRET: signs folder-storage download links (≥ 32 characters; random per process when empty). */
  tokenSecret: string
  /** NUXT_PGKEEP_METRICS_TOKEN: a bearer token for the metrics route. */
  metricsToken: string
  /**
   * E-mail notifications, on when smtpUrl is set: NUXT_PGKEEP_EMAIL_SMTP_URL (a secret: it may hold the
   * password), NUXT_PGKEEP_EMAIL_FROM, _TO (commas between addresses), _EVENTS, _LANGUAGE, _APP_URL,
   * _TIMEOUT_MS; empty ones fall back to the PGKEEP_SMTP_URL / PGKEEP_EMAIL_* / PGKEEP_APP_URL variables.
   */
  email: { smtpUrl: string; from: string; to: string | string[]; events: string | string[]; language: string; appUrl: string; timeoutMs: string | number }
  /** NUXT_PGKEEP_ALERT_*: the alert thresholds; a key set here wins over its PGKEEP_ALERT_* variable. */
  alert: AlertRuntimeConfig
  allowRestore: boolean
  historyLimit: number
  cleanupDaysToKeep: number
  /** NUXT_PGKEEP_ALLOWED_ORIGINS: other origins whose pages may send POST and DELETE requests (a list, or one string separated by commas or spaces). */
  allowedOrigins: string[] | string
  /** '' for the manager's default. */
  rateLimit: RateLimitOption | ''
  schedule: { enabled: boolean; backupCron: string | false; cleanupCron: string | false; timezone: string }
}

