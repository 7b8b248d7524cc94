// The `replicas` option from environment variables, numbered from 1: `PGKEEP_REPLICA_<n>_DIR` for a
// folder, or `PGKEEP_REPLICA_<n>_S3_BUCKET` with the same S3 variables as the primary's under that
// prefix (`PGKEEP_REPLICA_<n>_S3_ENDPOINT`, `_S3_ACCESS_KEY`, …); `PGKEEP_REPLICA_<n>_NAME` names the copy
// and `PGKEEP_REPLICA_<n>_KEEP_DAYS` keeps backups there longer (retention maxAgeDays).
import { isPgkeepError, PgkeepError } from '../errors'
import type { ReplicaOption } from '../manager/replicas-options'
import { STORAGE_ENV, storageFromEnv } from './storage-from-env'

export const REPLICA_ENV = {
  'PGKEEP_REPLICA_<n>_DIR': 'folder of replica n (n = 1, 2, …): every backup is copied there too',
  'PGKEEP_REPLICA_<n>_S3_BUCKET': 'or the bucket of replica n, with PGKEEP_REPLICA_<n>_S3_ENDPOINT, _S3_PORT, _S3_USE_SSL, _S3_ACCESS_KEY, _S3_SECRET_KEY, _S3_REGION',
  'PGKEEP_REPLICA_<n>_NAME': 'the name of replica n in records and events (default replica-<n>)',
  'PGKEEP_REPLICA_<n>_KEEP_DAYS': 'keep backups in replica n this many days (retention maxAgeDays; never shorter than the primary keeps them)',
} as const

const VARIABLE = /^PGKEEP_REPLICA_(\d+)_(.+)$/
const KNOWN = new Set(['DIR', 'NAME', 'KEEP_DAYS', ...Object.keys(STORAGE_ENV).filter((k) => k.startsWith('PGKEEP_S3_')).map((k) => k.slice('PGKEEP_'.length))])

/** The replicas the environment describes, in their numbers' order; OPTIONS_INVALID / STORAGE_INVALID naming the variable at fault. */
export function replicasFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ReplicaOption[] {
  const byNumber = new Map<number, Map<string, string>>()
  for (const [name, value] of Object.entries(env)) {
    const match = VARIABLE.exec(name)
    if (!match || value === undefined || value === '') continue
    if (!KNOWN.has(match[2]!)) throw new PgkeepError('OPTIONS_INVALID', `${name} is not a replica variable (known: ${[...KNOWN].map((k) => `PGKEEP_REPLICA_<n>_${k}`).join(', ')})`)
    const n = Number(match[1])
    if (!Number.isSafeInteger(n) || n < 1) throw new PgkeepError('OPTIONS_INVALID', `${name}: replicas are numbered from 1`)
    if (!byNumber.has(n)) byNumber.set(n, new Map())
    byNumber.get(n)!.set(match[2]!, value)
  }
  return [...byNumber.keys()].sort((a, b) => a - b).map((n) => replicaOf(n, byNumber.get(n)!, cwd))
}

// --- internal ---

function replicaOf(n: number, vars: Map<string, string>, cwd: string): ReplicaOption {
  const prefix = `PGKEEP_REPLICA_${n}_`
  const dir = vars.get('DIR')
  const bucket = vars.get('S3_BUCKET')
  if (dir && bucket) throw new PgkeepError('OPTIONS_INVALID', `replica ${n} has both ${prefix}DIR and ${prefix}S3_BUCKET: give one`)
  if (!dir && !bucket) throw new PgkeepError('OPTIONS_INVALID', `replica ${n} needs ${prefix}DIR (a folder) or ${prefix}S3_BUCKET (a bucket)`)
  // The primary's variables under the replica's prefix, read by the primary's own code.
  const sub: NodeJS.ProcessEnv = {}
  for (const [key, value] of vars) if (key.startsWith('S3_')) sub[`PGKEEP_${key}`] = value
  if (dir) sub.PGKEEP_BACKUP_DIR = dir
  let storage
  try {
    storage = storageFromEnv(sub, cwd)
  } catch (error) {
    if (!isPgkeepError(error)) throw error
    const named = (text: string) => text.replaceAll('PGKEEP_S3_', `${prefix}S3_`)
    throw new PgkeepError(error.code, named(error.message), { cause: error, ...(error.hint ? { hint: named(error.hint) } : {}) })
  }
  const days = vars.get('KEEP_DAYS')
  if (days !== undefined && !/^\d+$/.test(days)) throw new PgkeepError('OPTIONS_INVALID', `${prefix}KEEP_DAYS must be a whole number of days, not "${days}"`)
  const name = vars.get('NAME')
  if (!name && days === undefined) return storage
  return { storage, ...(name ? { name } : {}), ...(days !== undefined ? { retention: { maxAgeDays: Number(days) } } : {}) }
}
