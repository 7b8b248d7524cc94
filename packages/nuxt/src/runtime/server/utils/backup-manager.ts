// One BackupManager per Nitro app, made on first use from the private runtime config: the database
// (NUXT_PGKEEP_DATABASE_URL, else PGKEEP_DATABASE_URL or DATABASE_URL, else the PG* variables), S3 when a bucket is set,
// else the folder, age encryption when a passphrase is set, and e-mail notifications when an SMTP server
// is set: all through core's managerOptionsFromEnv. The alert thresholds: the runtime config's `alert`
// keys over the PGKEEP_ALERT_* variables (alert-config.ts).
import { resolve } from 'node:path'
import { createBackupManager, managerOptionsFromEnv, PgkeepError, resolveHttpConfig, type BackupManager, type RateLimitOption, type ResolvedHttpConfig } from '@pgkeep/core'
import { useRuntimeConfig } from '#imports'
import type { PgkeepRuntimeConfig, ReplicaConfig } from '../../types'
import { alertsOf, withoutAlertVariables } from './alert-config'

let manager: BackupManager | undefined
let httpConfig: ResolvedHttpConfig | undefined

function config(): PgkeepRuntimeConfig {
  return useRuntimeConfig().pgkeep as PgkeepRuntimeConfig
}

/** The app's backup manager (created on first call). */
export function useBackupManager(): BackupManager {
  manager ??= createBackupManager(managerOptions(config()))
  return manager
}

/** Forgets the manager (Nitro's close hook); the next call makes a new one. */
export async function closeBackupManager(): Promise<void> {
  const m = manager as (BackupManager & { close?: () => Promise<void> | void }) | undefined
  manager = undefined
  await m?.close?.()
}

/** The route options, validated once per process (the token secret is made here when none is set). */
export function useBackupHttpConfig(prefix: string): ResolvedHttpConfig {
  if (!httpConfig) {
    const c = config()
    httpConfig = resolveHttpConfig({
      prefix,
      allowRestore: bool(c.allowRestore),
      historyLimit: Number(c.historyLimit),
      cleanupDaysToKeep: Number(c.cleanupDaysToKeep),
      allowedOrigins: originList(c.allowedOrigins),
      ...(c.tokenSecret ? { tokenSecret: c.tokenSecret } : {}),
      ...(c.metricsToken ? { metricsToken: c.metricsToken } : {}),
    })
  }
  return httpConfig
}

/** Values never to show in an answer: the database URL and every secret of the config. */
export function backupSecrets(): string[] {
  const c = config()
  const replicaSecrets = Object.entries({ ...process.env, ...replicaEnv(c.replicas) }).filter(([k]) => /^PGKEEP_REPLICA_\d+_S3_(ACCESS|SECRET)_KEY$/.test(k)).map(([, v]) => v)
  return [c.databaseUrl, process.env.DATABASE_URL, c.s3.secretKey, c.s3.accessKey, c.encryptionPassphrase, c.tokenSecret, c.metricsToken, c.email?.smtpUrl, process.env.PGKEEP_SMTP_URL, ...replicaSecrets]
    .filter((s): s is string => Boolean(s))
}

/** The environment core reads storage and encryption from: PGKEEP_* variables, overridden by the runtime config where it is set. */
export function managerEnv(c: PgkeepRuntimeConfig, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const set = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : String(value))
  const out: NodeJS.ProcessEnv = { ...env }
  const overrides: Record<string, string | undefined> = {
    PGKEEP_DATABASE_URL: set(c.databaseUrl),
    PGKEEP_BACKUP_DIR: env.PGKEEP_BACKUP_DIR || resolve(process.cwd(), c.storageDir || '.data/backups'),
    PGKEEP_S3_BUCKET: set(c.s3.bucket),
    PGKEEP_S3_ENDPOINT: set(c.s3.endpoint),
    PGKEEP_S3_PORT: set(c.s3.port),
    PGKEEP_S3_USE_SSL: set(c.s3.useSsl),
    PGKEEP_S3_ACCESS_KEY: set(c.s3.accessKey),
    PGKEEP_S3_SECRET_KEY: set(c.s3.secretKey),
    PGKEEP_S3_REGION: set(c.s3.region),
    PGKEEP_ENCRYPTION_PASSPHRASE: set(c.encryptionPassphrase),
    PGKEEP_SMTP_URL: set(c.email?.smtpUrl),
    PGKEEP_EMAIL_FROM: set(c.email?.from),
    PGKEEP_EMAIL_TO: set(list(c.email?.to)),
    PGKEEP_EMAIL_EVENTS: set(list(c.email?.events)),
    PGKEEP_EMAIL_LANGUAGE: set(c.email?.language),
    PGKEEP_APP_URL: set(c.email?.appUrl),
    PGKEEP_EMAIL_TIMEOUT_MS: set(c.email?.timeoutMs),
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = value
  Object.assign(out, replicaEnv(c.replicas))
  return out
}

/** The runtime config's replicas as PGKEEP_REPLICA_<n>_* variables (core validates them and names any at fault). */
export function replicaEnv(replicas: PgkeepRuntimeConfig['replicas'] | undefined): Record<string, string> {
  const list: ReplicaConfig[] = typeof replicas === 'string' ? parseReplicas(replicas) : (replicas ?? [])
  const out: Record<string, string> = {}
  list.forEach((r, i) => {
    const p = `PGKEEP_REPLICA_${i + 1}_`
    const put = (name: string, value: unknown) => {
      if (value !== undefined && value !== null && value !== '') out[p + name] = String(value)
    }
    put('DIR', r.dir)
    put('NAME', r.name)
    put('KEEP_DAYS', r.keepDays)
    if (r.s3) {
      put('S3_BUCKET', r.s3.bucket)
      put('S3_ENDPOINT', r.s3.endpoint)
      put('S3_PORT', r.s3.port)
      put('S3_USE_SSL', r.s3.useSsl)
      put('S3_ACCESS_KEY', r.s3.accessKey)
      put('S3_SECRET_KEY', r.s3.secretKey)
      put('S3_REGION', r.s3.region)
    }
  })
  return out
}

function managerOptions(c: PgkeepRuntimeConfig) {
  const env = managerEnv(c)
  const alerts = alertsOf(c.alert, env)
  return {
    ...managerOptionsFromEnv(withoutAlertVariables(env)),
    ...(alerts ? { alerts } : {}),
    ...(c.namePrefix ? { namePrefix: c.namePrefix } : {}),
    ...rateLimitOf(c.rateLimit),
  }
}

/** The rateLimit option as runtime config carries it: unset ('' or null), false (also 'false' from NUXT_PGKEEP_RATE_LIMIT), an object, or its JSON. */
function rateLimitOf(value: unknown): { rateLimit?: RateLimitOption } {
  if (value === false || value === 'false') return { rateLimit: false }
  if (typeof value === 'string' && value.trim().startsWith('{')) return { rateLimit: JSON.parse(value) as RateLimitOption }
  if (typeof value === 'object' && value !== null && Object.keys(value).length > 0) return { rateLimit: value as RateLimitOption }
  return {}
}

function parseReplicas(text: string): ReplicaConfig[] {
  if (!text.trim()) return []
  let list: unknown
  try {
    list = JSON.parse(text)
  } catch (error) {
    throw new PgkeepError('OPTIONS_INVALID', 'NUXT_PGKEEP_REPLICAS (runtimeConfig.pgkeep.replicas) is not valid JSON', { cause: error })
  }
  if (!Array.isArray(list)) throw new PgkeepError('OPTIONS_INVALID', 'NUXT_PGKEEP_REPLICAS (runtimeConfig.pgkeep.replicas) must be a JSON array of { dir } or { s3 } objects')
  return list as ReplicaConfig[]
}

/** A list from the runtime config (an array, or a text as an environment variable gives it) as the PGKEEP_* variables write it: commas between. */
function list(value: unknown): unknown {
  return Array.isArray(value) ? value.join(', ') : value
}

/** NUXT_PGKEEP_ALLOWED_ORIGINS as Nuxt hands it over: an array (the option, or a JSON array) or one string of origins. */
function originList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return []
  if (Array.isArray(value)) return value.map(String)
  return String(value).split(/[\s,]+/).filter(Boolean)
}

function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1'
}
