// The environment variables that point pgkeep (storageFromEnv, managerOptionsFromEnv, the Nuxt module's
// NUXT_PGKEEP_* runtime config) at an S3 endpoint the tests started: one place for their names.
import type { S3Endpoint } from './s3-server'

/** `<prefix>BUCKET`, `_ENDPOINT`, `_PORT`, `_USE_SSL` (false), `_ACCESS_KEY`, `_SECRET_KEY`, `_REGION`. @default prefix 'PGKEEP_S3_' */
export function s3Env(s3: S3Endpoint, bucket: string, prefix = 'PGKEEP_S3_'): Record<string, string> {
  return {
    [`${prefix}BUCKET`]: bucket,
    [`${prefix}ENDPOINT`]: s3.endPoint,
    [`${prefix}PORT`]: String(s3.port),
    [`${prefix}USE_SSL`]: 'false',
    [`${prefix}ACCESS_KEY`]: s3.accessKey,
    [`${prefix}SECRET_KEY`]: s3.secretKey,
    [`${prefix}REGION`]: s3.region,
  }
}
