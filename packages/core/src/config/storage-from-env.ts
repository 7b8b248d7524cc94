// Picks the storage from environment variables, for the command line, the demo and the adapters:
// S3 when PGKEEP_S3_BUCKET is set, else a folder (PGKEEP_BACKUP_DIR, default the current directory).
import { isPgkeepError, PgkeepError } from '../errors'
import type { StorageDriver } from '../storage/driver'
import { fsStorage } from '../storage/fs-storage'
import { s3Storage } from '../storage/s3-storage'

export const STORAGE_ENV = {
  PGKEEP_BACKUP_DIR: 'folder for fsStorage (default: the current directory)',
  PGKEEP_S3_BUCKET: 'bucket; setting it selects S3 storage',
  PGKEEP_S3_ENDPOINT: 'S3 host name, e.g. s3.amazonaws.com or minio.internal',
  PGKEEP_S3_PORT: 'port (default 443, or 80 without SSL)',
  PGKEEP_S3_USE_SSL: '"false" for plain HTTP (default true)',
  PGKEEP_S3_ACCESS_KEY: 'access key',
  PGKEEP_S3_SECRET_KEY: 'secret key',
  PGKEEP_S3_REGION: 'region (default: asked from the endpoint)',
} as const

export function storageFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StorageDriver {
  const bucket = env.PGKEEP_S3_BUCKET
  if (!bucket) return fsStorage({ dir: env.PGKEEP_BACKUP_DIR || cwd })
  const missing = ['PGKEEP_S3_ENDPOINT', 'PGKEEP_S3_ACCESS_KEY', 'PGKEEP_S3_SECRET_KEY'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new PgkeepError('STORAGE_INVALID', `PGKEEP_S3_BUCKET is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`)
  }
  const ssl = env.PGKEEP_S3_USE_SSL
  if (ssl !== undefined && ssl !== 'true' && ssl !== 'false') {
    throw new PgkeepError('STORAGE_INVALID', `PGKEEP_S3_USE_SSL must be "true" or "false", not "${ssl}"`)
  }
  const port = env.PGKEEP_S3_PORT
  if (port !== undefined && !/^\d+$/.test(port)) throw new PgkeepError('STORAGE_INVALID', `PGKEEP_S3_PORT must be a port number, not "${port}"`)
  try {
    return s3Storage({
      endPoint: env.PGKEEP_S3_ENDPOINT!,
      accessKey: env.PGKEEP_S3_ACCESS_KEY!,
      secretKey: env.PGKEEP_S3_SECRET_KEY!,
      bucket,
      ...(port ? { port: Number(port) } : {}),
      ...(ssl ? { useSSL: ssl === 'true' } : {}),
      ...(env.PGKEEP_S3_REGION ? { region: env.PGKEEP_S3_REGION } : {}),
    })
  } catch (error) {
    // s3Storage() names its options (`bucket`, `port`); whoever set a variable should read the variable's name.
    if (!isPgkeepError(error) || error.code !== 'STORAGE_INVALID') throw error
    throw new PgkeepError('STORAGE_INVALID', namingVariables(error.message), { cause: error, ...(error.hint ? { hint: namingVariables(error.hint) } : {}) })
  }
}

// --- internal ---

const VARIABLE_OF_OPTION: Record<string, string> = {
  endPoint: 'PGKEEP_S3_ENDPOINT',
  port: 'PGKEEP_S3_PORT',
  useSSL: 'PGKEEP_S3_USE_SSL',
  accessKey: 'PGKEEP_S3_ACCESS_KEY',
  secretKey: 'PGKEEP_S3_SECRET_KEY',
  bucket: 'PGKEEP_S3_BUCKET',
  region: 'PGKEEP_S3_REGION',
}

function namingVariables(text: string): string {
  return text
    .replace(/^s3Storage: /, '')
    .replace(/`(\w+)`/g, (whole, option: string) => VARIABLE_OF_OPTION[option] ?? whole)
}
