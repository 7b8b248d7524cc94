// E-mail notifications in the built KostMan app: the SMTP server, sender, recipients, language and page
// come from NUXT_PGKEEP_EMAIL_* variables (runtime config) to core's manager; a backup made through the
// route is mailed to a real SMTP server on 127.0.0.1 (nodemailer bundled into the Nitro server).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type SmtpTestServer } from '../../core/test/helpers/smtp-server'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

let app: KostmanServer
let smtp: SmtpTestServer

beforeAll(async () => {
  smtp = await startSmtpServer({ login: { user: 'kost-mailer', pass: 'nuxt-smtp-pass-5150' } })
  app = await startKostman({
    env: {
      NUXT_PGKEEP_EMAIL_SMTP_URL: smtp.url,
      NUXT_PGKEEP_EMAIL_FROM: 'KostMan <backups@kost.test>',
      NUXT_PGKEEP_EMAIL_TO: 'admin@kost.test,owner@kost.test',
      NUXT_PGKEEP_EMAIL_EVENTS: 'success,failure',
      NUXT_PGKEEP_EMAIL_LANGUAGE: 'en',
      NUXT_PGKEEP_EMAIL_APP_URL: 'https://kost.test/settings',
    },
  })
})

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
})

afterAll(async () => {
  await app?.stop()
  await smtp?.close()
})

describe('KostMan e-mail notifications', () => {
  it('mails a backup made through the route, as the NUXT_PGKEEP_EMAIL_* variables say', async () => {
    const admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
    const created = await fetch(`${app.url}/api/backup/database`, { method: 'POST', headers: { cookie: admin } })
    expect(created.status).toBe(200)
    const id = created.headers.get('x-backup-id')!
    await created.arrayBuffer()
    const deadline = Date.now() + 30_000
    while (smtp.received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(smtp.received).toHaveLength(1)
    const [mail] = smtp.received
    expect(mail!.user).toBe('kost-mailer')
    expect(mail!.to).toEqual(['admin@kost.test', 'owner@kost.test'])
    expect(mail!.parsed.from?.value).toEqual([{ name: 'KostMan', address: 'backups@kost.test' }])
    expect(mail!.parsed.subject).toMatch(/^\[pgkeep\] Backup completed: /)
    expect(mail!.parsed.text).toMatch(new RegExp(`^ID: +${id}$`, 'm'))
    expect(mail!.parsed.text).toMatch(new RegExp(`^Type: +manual, by ${KOSTMAN_USERS.admin.email.replace(/\./g, '\\.')}$`, 'm'))
    expect(mail!.parsed.text).toContain('Open the backups page: https://kost.test/settings\n')
    expect(mail!.parsed.attachments).toEqual([])
    for (const secret of ['nuxt-smtp-pass-5150', app.databaseUrl]) expect(mail!.raw).not.toContain(secret)
  })
})
