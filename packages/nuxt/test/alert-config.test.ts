// The alert thresholds of the runtime config (runtimeConfig.pgkeep.alert: the module's `alert` option,
// overridden by NUXT_PGKEEP_ALERT_* at run time) over core's PGKEEP_ALERT_* variables: parsed by core,
// a key set in the runtime config winning over its variable, and an error naming the key it came from.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '@pgkeep/core'
import { ALERT_KEYS, alertsOf, withoutAlertVariables } from '../src/runtime/server/utils/alert-config'
import type { AlertRuntimeConfig } from '../src/runtime/types'

/** The runtime config as the module makes it: every key present, '' where nothing was set. */
function runtime(set: Partial<AlertRuntimeConfig> = {}): AlertRuntimeConfig {
  return { sizeAbove: '', storageQuota: '', storageQuotaFraction: '', noSuccessHours: '', archiveLag: '', archiveLagSeconds: '', ...set }
}

function refusal(fn: () => unknown): { message: string; hint?: string } {
  try {
    fn()
  } catch (error) {
    if (isPgkeepError(error, 'OPTIONS_INVALID')) return error
    throw error
  }
  throw new Error('expected OPTIONS_INVALID')
}

describe('the runtime config alert keys', () => {
  it('become the alerts option as the PGKEEP_ALERT_* variables do, sizes with units, numbers as Nuxt hands them over', () => {
    expect(alertsOf(runtime({
      sizeAbove: '500MB', storageQuota: '50GB', storageQuotaFraction: 0.8, noSuccessHours: 26, archiveLag: '2GB', archiveLagSeconds: 600,
    }), {})).toEqual({
      sizeAboveBytes: 500 * 1024 ** 2, storageQuotaBytes: 50 * 1024 ** 3, storageQuotaFraction: 0.8, noSuccessForHours: 26,
      archiveLagBytes: 2 * 1024 ** 3, archiveLagSeconds: 600,
    })
    // NUXT_PGKEEP_ALERT_SIZE_ABOVE=1048576 reaches the config as a number
    expect(alertsOf(runtime({ sizeAbove: 1_048_576 }), {})).toEqual({ sizeAboveBytes: 1_048_576 })
    // nothing set anywhere: no alerts option, the manager keeps its defaults
    expect(alertsOf(runtime(), {})).toBeUndefined()
    expect(alertsOf(undefined, {})).toBeUndefined()
    // each key stands for the variable of its name
    for (const [key, variable] of Object.entries(ALERT_KEYS)) expect(variable).toBe(`PGKEEP_ALERT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`)
  })

  it('win over the PGKEEP_ALERT_* variables; a key left unset falls back to its variable', () => {
    const env = { PGKEEP_ALERT_SIZE_ABOVE: '1TB', PGKEEP_ALERT_NO_SUCCESS_HOURS: '48', PGKEEP_ALERT_STORAGE_QUOTA: '10GB' }
    expect(alertsOf(runtime({ sizeAbove: '1kB', storageQuotaFraction: '0.5' }), env)).toEqual({
      sizeAboveBytes: 1024, noSuccessForHours: 48, storageQuotaBytes: 10 * 1024 ** 3, storageQuotaFraction: 0.5,
    })
    expect(alertsOf(runtime(), env)).toEqual({ sizeAboveBytes: 1024 ** 4, noSuccessForHours: 48, storageQuotaBytes: 10 * 1024 ** 3 })
    // null (a key set to nothing in nuxt.config) leaves it to the variable too
    expect(alertsOf({ ...runtime(), sizeAbove: null as unknown as string }, env)?.sizeAboveBytes).toBe(1024 ** 4)
    // the variables' own values are checked by the same rules
    expect(refusal(() => alertsOf(runtime(), { PGKEEP_ALERT_SIZE_ABOVE: 'lots' })).message).toMatch(/^PGKEEP_ALERT_SIZE_ABOVE must be a size above 0/)
    // and a bad variable whose key is set is not read at all
    expect(alertsOf(runtime({ sizeAbove: '2GB' }), { PGKEEP_ALERT_SIZE_ABOVE: 'lots' })).toEqual({ sizeAboveBytes: 2 * 1024 ** 3 })
  })

  it('refuse a bad value with OPTIONS_INVALID naming the NUXT_PGKEEP_ALERT_* variable and the runtime config key', () => {
    const cases: [Partial<AlertRuntimeConfig>, RegExp][] = [
      [{ sizeAbove: 'abc' }, /^NUXT_PGKEEP_ALERT_SIZE_ABOVE \(runtimeConfig\.pgkeep\.alert\.sizeAbove\) must be a size above 0, in bytes or with a unit .*, not "abc"$/],
      [{ storageQuota: '5 parsecs' }, /^NUXT_PGKEEP_ALERT_STORAGE_QUOTA \(runtimeConfig\.pgkeep\.alert\.storageQuota\) must be a size above 0/],
      [{ storageQuota: '1GB', storageQuotaFraction: 1.5 }, /^NUXT_PGKEEP_ALERT_STORAGE_QUOTA_FRACTION \(runtimeConfig\.pgkeep\.alert\.storageQuotaFraction\) must be a fraction above 0 and at most 1/],
      [{ noSuccessHours: 0 }, /^NUXT_PGKEEP_ALERT_NO_SUCCESS_HOURS \(runtimeConfig\.pgkeep\.alert\.noSuccessHours\) must be a number of hours above 0, not "0"$/],
      [{ archiveLag: -5 }, /^NUXT_PGKEEP_ALERT_ARCHIVE_LAG \(runtimeConfig\.pgkeep\.alert\.archiveLag\) must be a size above 0/],
      [{ archiveLagSeconds: 'soon' }, /^NUXT_PGKEEP_ALERT_ARCHIVE_LAG_SECONDS \(runtimeConfig\.pgkeep\.alert\.archiveLagSeconds\) must be a number of seconds above 0/],
      [{ sizeAbove: '   ' }, /^NUXT_PGKEEP_ALERT_SIZE_ABOVE \(runtimeConfig\.pgkeep\.alert\.sizeAbove\) is set but holds only spaces/],
      [{ sizeAbove: true as unknown as string }, /^NUXT_PGKEEP_ALERT_SIZE_ABOVE \(runtimeConfig\.pgkeep\.alert\.sizeAbove\) must be a size above 0.*, not "true"$/],
    ]
    for (const [set, message] of cases) expect(refusal(() => alertsOf(runtime(set), {})).message, JSON.stringify(set)).toMatch(message)
    // a fraction of no quota names where each came from
    const fraction = refusal(() => alertsOf(runtime({ storageQuotaFraction: 0.5 }), {}))
    expect(fraction.message).toBe('NUXT_PGKEEP_ALERT_STORAGE_QUOTA_FRACTION (runtimeConfig.pgkeep.alert.storageQuotaFraction) is set but PGKEEP_ALERT_STORAGE_QUOTA is not: a fraction of no quota raises nothing')
    expect(fraction.hint).toBe('set PGKEEP_ALERT_STORAGE_QUOTA to the storage\'s quota (50GB), or unset NUXT_PGKEEP_ALERT_STORAGE_QUOTA_FRACTION (runtimeConfig.pgkeep.alert.storageQuotaFraction)')
  })

  it('leave core no PGKEEP_ALERT_* variable to read a second time', () => {
    const env = withoutAlertVariables({ PGKEEP_ALERT_SIZE_ABOVE: 'lots', PGKEEP_ALERT_ARCHIVE_LAG_SECONDS: '1', PGKEEP_S3_BUCKET: 'kost' })
    expect(env).toEqual({ PGKEEP_S3_BUCKET: 'kost' })
  })
})
