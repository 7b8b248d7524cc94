// emailFromEnv() and managerOptionsFromEnv(): the e-mail notifications from PGKEEP_SMTP_URL and the
// PGKEEP_EMAIL_* variables; errors name the variable and never show the SMTP password.
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { createBackupManager, EMAIL_ENV, emailFromEnv, MANAGER_ENV, managerOptionsFromEnv } from '../../src/index'
import { failure } from '../failure'

const base = { PGKEEP_SMTP_URL: 'smtp://mailer:env-pass-3309@mail.kost.test:587', PGKEEP_EMAIL_FROM: 'KostMan <backups@kost.test>', PGKEEP_EMAIL_TO: 'admin@kost.test' }

describe('e-mail notifications from the environment', () => {
  it('are off without PGKEEP_SMTP_URL, and on with it', () => {
    expect(emailFromEnv({})).toBeUndefined()
    expect(emailFromEnv({ PGKEEP_APP_URL: 'https://kost.test/backup' })).toBeUndefined()
    expect(emailFromEnv(base)).toEqual({ email: { url: base.PGKEEP_SMTP_URL, from: 'KostMan <backups@kost.test>', to: ['admin@kost.test'] } })
    expect(managerOptionsFromEnv(base, { cwd: tmpdir() }).notifications).toEqual(emailFromEnv(base))
    expect(managerOptionsFromEnv({}, { cwd: tmpdir() })).not.toHaveProperty('notifications')
  })

  it('reads recipients, events, language, timeout and the app page', () => {
    const env = {
      ...base,
      PGKEEP_EMAIL_TO: 'admin@kost.test, "Pemilik, Kost" <owner@kost.test>',
      PGKEEP_EMAIL_EVENTS: 'failure,verify-failure, alert',
      PGKEEP_EMAIL_LANGUAGE: 'en',
      PGKEEP_EMAIL_TIMEOUT_MS: '5000',
      PGKEEP_APP_URL: 'https://kost.test/settings/backup',
    }
    expect(emailFromEnv(env)?.email).toEqual({
      url: base.PGKEEP_SMTP_URL, from: base.PGKEEP_EMAIL_FROM, to: ['admin@kost.test', '"Pemilik, Kost" <owner@kost.test>'],
      events: ['failure', 'verify-failure', 'alert'], language: 'en', timeoutMs: 5000, baseUrl: 'https://kost.test/settings/backup',
    })
    // What it gives is what the manager accepts.
    expect(() => createBackupManager({ ...managerOptionsFromEnv(env, { cwd: tmpdir() }) })).not.toThrow()
  })

  it('refuses an incomplete or invalid set, naming the variable and never the password', async () => {
    expect((await failure(() => emailFromEnv({ PGKEEP_EMAIL_TO: 'a@kost.test', PGKEEP_EMAIL_FROM: 'b@kost.test' }), 'OPTIONS_INVALID')).message)
      .toBe('PGKEEP_EMAIL_FROM, PGKEEP_EMAIL_TO are set but PGKEEP_SMTP_URL is not')
    expect((await failure(() => emailFromEnv({ PGKEEP_SMTP_URL: base.PGKEEP_SMTP_URL }), 'OPTIONS_INVALID')).message)
      .toBe('PGKEEP_SMTP_URL is set but PGKEEP_EMAIL_FROM, PGKEEP_EMAIL_TO are not')
    const cases: [Record<string, string>, string][] = [
      [{ PGKEEP_SMTP_URL: 'http://mailer:env-pass-3309@mail.kost.test' }, 'PGKEEP_SMTP_URL: must be an smtp:// or smtps:// URL'],
      [{ PGKEEP_EMAIL_TO: 'admin@kost.test, oops' }, 'PGKEEP_EMAIL_TO: must be an e-mail address'],
      [{ PGKEEP_EMAIL_EVENTS: 'success,done' }, 'PGKEEP_EMAIL_EVENTS: must be among success, failure, verify-failure, alert'],
      [{ PGKEEP_EMAIL_LANGUAGE: 'de' }, 'PGKEEP_EMAIL_LANGUAGE: must be "id" or "en"'],
      [{ PGKEEP_EMAIL_TIMEOUT_MS: '10s' }, 'PGKEEP_EMAIL_TIMEOUT_MS must be a whole number of milliseconds'],
      [{ PGKEEP_APP_URL: 'kost.test/backup' }, 'PGKEEP_APP_URL: must be an http(s) URL'],
    ]
    for (const [change, message] of cases) {
      const error = await failure(() => managerOptionsFromEnv({ ...base, ...change }, { cwd: tmpdir() }), 'OPTIONS_INVALID')
      expect(error.message).toContain(message)
      expect(JSON.stringify({ message: error.message, hint: error.hint })).not.toContain('env-pass-3309')
    }
  })

  it('are listed in MANAGER_ENV', () => {
    for (const name of Object.keys(EMAIL_ENV)) expect(MANAGER_ENV).toHaveProperty(name)
  })
})
