// The alert thresholds of the runtime config (runtimeConfig.pgkeep.alert, which the module's `alert`
// option fills and NUXT_PGKEEP_ALERT_* variables override) over core's PGKEEP_ALERT_* variables: a key set
// in the runtime config wins over its variable. Parsed by core (sizes such as 500MB), and an error names
// the key the value came from.
import { alertsFromEnv, type AlertsOption, type AlertVariable } from '@pgkeep/core'
import type { AlertRuntimeConfig } from '../../types'

/** Each runtime config key and the PGKEEP_ALERT_* variable it stands for. */
export const ALERT_KEYS = {
  sizeAbove: 'PGKEEP_ALERT_SIZE_ABOVE',
  storageQuota: 'PGKEEP_ALERT_STORAGE_QUOTA',
  storageQuotaFraction: 'PGKEEP_ALERT_STORAGE_QUOTA_FRACTION',
  noSuccessHours: 'PGKEEP_ALERT_NO_SUCCESS_HOURS',
  archiveLag: 'PGKEEP_ALERT_ARCHIVE_LAG',
  archiveLagSeconds: 'PGKEEP_ALERT_ARCHIVE_LAG_SECONDS',
} as const satisfies Record<keyof AlertRuntimeConfig, AlertVariable>

/**
 * The manager's `alerts` option from the runtime config's `alert` keys and, for keys it leaves unset
 * ('' or null), the PGKEEP_ALERT_* variables of `env`; undefined when neither sets any. OPTIONS_INVALID
 * (core's) for a bad value, naming `NUXT_PGKEEP_ALERT_… (runtimeConfig.pgkeep.alert.…)` or the variable.
 */
export function alertsOf(alert: Partial<AlertRuntimeConfig> | undefined, env: NodeJS.ProcessEnv = process.env): AlertsOption | undefined {
  const values: NodeJS.ProcessEnv = {}
  const fromRuntime = new Map<AlertVariable, string>()
  for (const [key, variable] of Object.entries(ALERT_KEYS) as [keyof AlertRuntimeConfig, AlertVariable][]) {
    const value = alert?.[key]
    if (value !== undefined && value !== null && value !== '') {
      values[variable] = String(value)
      fromRuntime.set(variable, `NUXT_${variable} (runtimeConfig.pgkeep.alert.${key})`)
    } else if (env[variable] !== undefined) {
      values[variable] = env[variable]
    }
  }
  return alertsFromEnv(values, { nameOf: (variable) => fromRuntime.get(variable) ?? variable })
}

/** `env` without the PGKEEP_ALERT_* variables, which alertsOf() has read. */
export function withoutAlertVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env }
  for (const variable of Object.values(ALERT_KEYS)) delete out[variable]
  return out
}
