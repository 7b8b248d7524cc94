// The alert thresholds from PGKEEP_ALERT_* (alertsFromEnv, through managerOptionsFromEnv): what the command
// line and the adapters hand to the manager's `alerts` option, and the errors that name the variable.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ALERTS_ENV, alertsFromEnv, createBackupManager, MANAGER_ENV, managerOptionsFromEnv } from '../../src/index'
import { failure } from '../failure'

describe('PGKEEP_ALERT_* variables', () => {
  it('become the alerts option, each its own threshold, and are listed in MANAGER_ENV', () => {
    const o = managerOptionsFromEnv({
      PGKEEP_ALERT_SIZE_ABOVE: '500MB',
      PGKEEP_ALERT_STORAGE_QUOTA: '50GB',
      PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: '0.8',
      PGKEEP_ALERT_NO_SUCCESS_HOURS: '26',
      PGKEEP_ALERT_ARCHIVE_LAG: '2GB',
      PGKEEP_ALERT_ARCHIVE_LAG_SECONDS: '600',
    }, { cwd: tmpdir() })
    expect(o.alerts).toEqual({
      sizeAboveBytes: 500 * 1024 ** 2,
      storageQuotaBytes: 50 * 1024 ** 3,
      storageQuotaFraction: 0.8,
      noSuccessForHours: 26,
      archiveLagBytes: 2 * 1024 ** 3,
      archiveLagSeconds: 600,
    })
    expect(alertsFromEnv({ PGKEEP_ALERT_SIZE_ABOVE: '1' })).toEqual({ sizeAboveBytes: 1 })
    expect(alertsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA: '1TB' })).toEqual({ storageQuotaBytes: 1024 ** 4 })
    expect(alertsFromEnv({ PGKEEP_ALERT_NO_SUCCESS_HOURS: '1.5' })).toEqual({ noSuccessForHours: 1.5 })
    expect(alertsFromEnv({ PGKEEP_ALERT_ARCHIVE_LAG_SECONDS: '0.5' })).toEqual({ archiveLagSeconds: 0.5 })
    expect(alertsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA: '10GB', PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: '1' })).toEqual({ storageQuotaBytes: 10 * 1024 ** 3, storageQuotaFraction: 1 })
    // none set: no alerts option, so the manager keeps its defaults (archive-lag at 1 GiB or 900 s)
    expect(alertsFromEnv({})).toBeUndefined()
    expect(managerOptionsFromEnv({}, { cwd: tmpdir() })).not.toHaveProperty('alerts')
    for (const name of Object.keys(ALERTS_ENV)) expect(MANAGER_ENV).toHaveProperty(name)
    expect(Object.keys(ALERTS_ENV)).toEqual(['PGKEEP_ALERT_SIZE_ABOVE', 'PGKEEP_ALERT_STORAGE_QUOTA', 'PGKEEP_ALERT_STORAGE_QUOTA_FRACTION', 'PGKEEP_ALERT_NO_SUCCESS_HOURS', 'PGKEEP_ALERT_ARCHIVE_LAG', 'PGKEEP_ALERT_ARCHIVE_LAG_SECONDS'])
  })

  it('take sizes in bytes or with the units of postgresql.conf (multiples of 1024), any case, a space allowed', () => {
    const sizes: [string, number][] = [
      ['268435456', 268435456], ['512B', 512], ['64kB', 64 * 1024], ['64KiB', 64 * 1024], ['256MB', 256 * 1024 ** 2],
      ['256 mb', 256 * 1024 ** 2], ['256MiB', 256 * 1024 ** 2], ['1GB', 1024 ** 3], ['1gib', 1024 ** 3], ['2TB', 2 * 1024 ** 4], [' 3GB ', 3 * 1024 ** 3],
    ]
    for (const [text, bytes] of sizes) {
      expect(alertsFromEnv({ PGKEEP_ALERT_SIZE_ABOVE: text })?.sizeAboveBytes, text).toBe(bytes)
      expect(alertsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA: text })?.storageQuotaBytes, text).toBe(bytes)
      expect(alertsFromEnv({ PGKEEP_ALERT_ARCHIVE_LAG: text })?.archiveLagBytes, text).toBe(bytes)
    }
  })

  it('refuse bad values with OPTIONS_INVALID naming the variable and the value', async () => {
    const sizeWords = 'must be a size above 0, in bytes or with a unit (268435456, 256MB; kB, MB, GB, TB are multiples of 1024), not '
    const cases: [string, string, string][] = []
    for (const name of ['PGKEEP_ALERT_SIZE_ABOVE', 'PGKEEP_ALERT_STORAGE_QUOTA', 'PGKEEP_ALERT_ARCHIVE_LAG']) {
      for (const bad of ['abc', '0', '0MB', '-1', '1.5GB', '10 parsecs', 'MB', '1e3', '99999999999TB']) cases.push([name, bad, `${name} ${sizeWords}${JSON.stringify(bad)}`])
    }
    for (const bad of ['0', '1.5', '-0.5', 'ninety', '90%', '2']) {
      cases.push(['PGKEEP_ALERT_STORAGE_QUOTA_FRACTION', bad, `PGKEEP_ALERT_STORAGE_QUOTA_FRACTION must be a fraction above 0 and at most 1 (0.9 for 90%), not ${JSON.stringify(bad)}`])
    }
    for (const [name, unit] of [['PGKEEP_ALERT_NO_SUCCESS_HOURS', 'hours'], ['PGKEEP_ALERT_ARCHIVE_LAG_SECONDS', 'seconds']] as const) {
      for (const bad of ['0', '0.0', '-3', 'a day', '24h', 'Infinity', 'NaN']) cases.push([name, bad, `${name} must be a number of ${unit} above 0, not ${JSON.stringify(bad)}`])
    }
    for (const [name, bad, message] of cases) {
      // the quota goes with its fraction, so that only the fraction is at fault
      const env = name === 'PGKEEP_ALERT_STORAGE_QUOTA_FRACTION' ? { PGKEEP_ALERT_STORAGE_QUOTA: '1GB', [name]: bad } : { [name]: bad }
      const error = await failure(() => managerOptionsFromEnv(env, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message, `${name}=${bad}`).toBe(message)
    }
  })

  it('refuse a variable set to nothing (a crontab\'s unset ${VAR}), which would raise no alert without a word', async () => {
    for (const name of Object.keys(ALERTS_ENV)) {
      const empty = await failure(() => managerOptionsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA: '1GB', [name]: '' }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(empty.message).toBe(`${name} is set but empty: no alert would be raised`)
      expect(empty.hint).toMatch(/^give a (size|fraction|number of hours|number of seconds) such as [\d.]+(MB|GB)?, or unset the variable$/)
      const spaces = await failure(() => alertsFromEnv({ [name]: '  ' }), 'OPTIONS_INVALID')
      expect(spaces.message).toBe(`${name} is set but holds only spaces: no alert would be raised`)
    }
  })

  it('refuse a quota fraction without the quota', async () => {
    const error = await failure(() => managerOptionsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: '0.5' }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
    expect(error.message).toMatch(/^PGKEEP_ALERT_STORAGE_QUOTA_FRACTION is set but PGKEEP_ALERT_STORAGE_QUOTA is not/)
  })

  it('name a variable as the caller says where its value came from (nameOf: the Nuxt module\'s runtime config)', async () => {
    const nameOf = (variable: string) => (variable === 'PGKEEP_ALERT_SIZE_ABOVE' ? 'NUXT_PGKEEP_ALERT_SIZE_ABOVE' : variable)
    expect(alertsFromEnv({ PGKEEP_ALERT_SIZE_ABOVE: '2MB' }, { nameOf })).toEqual({ sizeAboveBytes: 2 * 1024 ** 2 })
    const bad = await failure(() => alertsFromEnv({ PGKEEP_ALERT_SIZE_ABOVE: 'abc' }, { nameOf }), 'OPTIONS_INVALID')
    expect(bad.message).toMatch(/^NUXT_PGKEEP_ALERT_SIZE_ABOVE must be a size above 0/)
    const empty = await failure(() => alertsFromEnv({ PGKEEP_ALERT_SIZE_ABOVE: ' ' }, { nameOf }), 'OPTIONS_INVALID')
    expect(empty.message).toBe('NUXT_PGKEEP_ALERT_SIZE_ABOVE is set but holds only spaces: no alert would be raised')
    const fraction = await failure(() => alertsFromEnv({ PGKEEP_ALERT_STORAGE_QUOTA_FRACTION: '0.5' }, { nameOf: (v) => `NUXT_${v}` }), 'OPTIONS_INVALID')
    expect(fraction.message).toBe('NUXT_PGKEEP_ALERT_STORAGE_QUOTA_FRACTION is set but NUXT_PGKEEP_ALERT_STORAGE_QUOTA is not: a fraction of no quota raises nothing')
    expect(fraction.hint).toBe('set NUXT_PGKEEP_ALERT_STORAGE_QUOTA to the storage\'s quota (50GB), or unset NUXT_PGKEEP_ALERT_STORAGE_QUOTA_FRACTION')
  })

  it('make the manager raise its alerts; an alerts option given in code wins over them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-alerts-env-'))
    const fromEnv = managerOptionsFromEnv({ PGKEEP_BACKUP_DIR: dir, PGKEEP_ALERT_NO_SUCCESS_HOURS: '24' }, { cwd: dir })
    // an empty storage has never had a successful backup
    const raised = await createBackupManager(fromEnv).checkAlerts()
    expect(raised.map((a) => a.kind)).toEqual(['no-recent-success'])
    expect(raised[0]!.message).toBe('no successful backup at all (alert after 24 hours)')
    const explicit = await createBackupManager({ ...fromEnv, alerts: { sizeAboveBytes: 1 } }).checkAlerts()
    expect(explicit).toEqual([])
  })
})
