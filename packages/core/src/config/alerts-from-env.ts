// The manager's alert thresholds from environment variables, so that a `pgkeep backup` from cron or an app
// configured by its environment raises backup-size-above, storage-quota, no-recent-success and archive-lag
// as one configured in code does. Sizes take the units postgresql.conf writes (256MB, 1GB: multiples of
// 1024), as `pgkeep restore --max-statement-size` does; durations carry their unit in the variable's name.
// A variable set to nothing is refused, not ignored: an alert that was meant and never comes is what
// these variables are for.
import { PgkeepError } from '../errors'
import type { AlertsOption } from '../manager/alerts-options'

export const ALERTS_ENV = {
  PGKEEP_ALERT_SIZE_ABOVE: 'raise backup-size-above for a backup larger than this, in bytes or with a unit (500MB, 2GB)',
  PGKEEP_ALERT_STORAGE_QUOTA: 'the storage\'s quota, in bytes or with a unit (50GB); everything under the key prefix counts',
  PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: 'raise storage-quota above this fraction of PGKEEP_ALERT_STORAGE_QUOTA, above 0 and at most 1 (default 0.9)',
  PGKEEP_ALERT_NO_SUCCESS_HOURS: 'raise no-recent-success when no backup succeeded for this many hours',
  PGKEEP_ALERT_ARCHIVE_LAG: 'raise archive-lag when the change archive\'s slot keeps more WAL than this, in bytes or with a unit (default 1GB)',
  PGKEEP_ALERT_ARCHIVE_LAG_SECONDS: 'or when it is this many seconds behind while changes wait (default 900)',
} as const

export type AlertVariable = keyof typeof ALERTS_ENV

export interface AlertsFromEnvOptions {
  /**
   * The name an error gives a variable: an adapter that hands over values from elsewhere under these
   * names (the Nuxt module's runtime config) names its own key. @default the variable's own name
   */
  nameOf?: (variable: AlertVariable) => string
}

/** What a value looks like, for the hint to a variable set to nothing. */
const EXAMPLE: Record<AlertVariable, string> = {
  PGKEEP_ALERT_SIZE_ABOVE: 'a size such as 500MB',
  PGKEEP_ALERT_STORAGE_QUOTA: 'a size such as 50GB',
  PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: 'a fraction such as 0.9',
  PGKEEP_ALERT_NO_SUCCESS_HOURS: 'a number of hours such as 26',
  PGKEEP_ALERT_ARCHIVE_LAG: 'a size such as 2GB',
  PGKEEP_ALERT_ARCHIVE_LAG_SECONDS: 'a number of seconds such as 900',
}

// postgresql.conf's memory units: multiples of 1024 (kB, MB, GB, TB); the IEC spellings mean the same
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3, tb: 1024 ** 4, tib: 1024 ** 4,
}

/**
 * The manager's `alerts` option from the PGKEEP_ALERT_* variables (see ALERTS_ENV), or undefined when none
 * is set. OPTIONS_INVALID naming the variable and its value for an empty value, a value that is not a
 * number (or size), zero, a negative one, a fraction not above 0 and at most 1, and for
 * PGKEEP_ALERT_STORAGE_QUOTA_FRACTION without PGKEEP_ALERT_STORAGE_QUOTA.
 */
export function alertsFromEnv(env: NodeJS.ProcessEnv = process.env, options: AlertsFromEnvOptions = {}): AlertsOption | undefined {
  const nameOf = options.nameOf ?? ((variable: AlertVariable) => variable)
  const read = (name: AlertVariable, parse: Parse) => readVariable(env, name, nameOf(name), parse)
  const sizeAboveBytes = read('PGKEEP_ALERT_SIZE_ABOVE', size)
  const storageQuotaBytes = read('PGKEEP_ALERT_STORAGE_QUOTA', size)
  const storageQuotaFraction = read('PGKEEP_ALERT_STORAGE_QUOTA_FRACTION', fraction)
  const noSuccessForHours = read('PGKEEP_ALERT_NO_SUCCESS_HOURS', positive('hours'))
  const archiveLagBytes = read('PGKEEP_ALERT_ARCHIVE_LAG', size)
  const archiveLagSeconds = read('PGKEEP_ALERT_ARCHIVE_LAG_SECONDS', positive('seconds'))
  if (storageQuotaFraction !== undefined && storageQuotaBytes === undefined) {
    const fractionName = nameOf('PGKEEP_ALERT_STORAGE_QUOTA_FRACTION')
    const quotaName = nameOf('PGKEEP_ALERT_STORAGE_QUOTA')
    throw new PgkeepError('OPTIONS_INVALID', `${fractionName} is set but ${quotaName} is not: a fraction of no quota raises nothing`, {
      hint: `set ${quotaName} to the storage's quota (50GB), or unset ${fractionName}`,
    })
  }
  const alerts: AlertsOption = {
    ...(sizeAboveBytes !== undefined ? { sizeAboveBytes } : {}),
    ...(storageQuotaBytes !== undefined ? { storageQuotaBytes } : {}),
    ...(storageQuotaFraction !== undefined ? { storageQuotaFraction } : {}),
    ...(noSuccessForHours !== undefined ? { noSuccessForHours } : {}),
    ...(archiveLagBytes !== undefined ? { archiveLagBytes } : {}),
    ...(archiveLagSeconds !== undefined ? { archiveLagSeconds } : {}),
  }
  return Object.keys(alerts).length > 0 ? alerts : undefined
}

// --- internal ---

/** A value's parser: the number, or the words saying what was expected (for the error). */
type Parse = (text: string) => number | { expected: string }

/** The variable `name` of `env` parsed, or undefined when it is not set; errors call it `shownAs`. */
function readVariable(env: NodeJS.ProcessEnv, name: AlertVariable, shownAs: string, parse: Parse): number | undefined {
  const value = env[name]
  if (value === undefined) return undefined
  if (value.trim() === '') {
    throw new PgkeepError('OPTIONS_INVALID', `${shownAs} is set but ${value === '' ? 'empty' : 'holds only spaces'}: no alert would be raised`, {
      hint: `give ${EXAMPLE[name]}, or unset the variable`,
    })
  }
  const parsed = parse(value.trim())
  if (typeof parsed === 'number') return parsed
  throw new PgkeepError('OPTIONS_INVALID', `${shownAs} must be ${parsed.expected}, not ${JSON.stringify(value.slice(0, 40))}`)
}

const SIZE_EXPECTED = 'a size above 0, in bytes or with a unit (268435456, 256MB; kB, MB, GB, TB are multiples of 1024)'

function size(text: string): number | { expected: string } {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text)
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined) return { expected: SIZE_EXPECTED }
  const bytes = Number(match[1]) * unit
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : { expected: SIZE_EXPECTED }
}

function fraction(text: string): number | { expected: string } {
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN
  return n > 0 && n <= 1 ? n : { expected: 'a fraction above 0 and at most 1 (0.9 for 90%)' }
}

function positive(unit: 'hours' | 'seconds'): Parse {
  return (text) => {
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN
    return n > 0 && Number.isFinite(n) ? n : { expected: `a number of ${unit} above 0` }
  }
}
