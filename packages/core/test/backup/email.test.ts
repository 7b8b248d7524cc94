// E-mail notifications against real SMTP servers on 127.0.0.1 (smtp-server, the messages parsed by
// mailparser), with backups of a real PostgreSQL into a real folder: the headers and body of the mail
// for a stored backup (Indonesian and English), a failed one (error code and hint), a verification that
// did not pass and an alert; a server that refuses, one that rejects the login and one that never
// answers end in an `email-failed` alert after the retries, and never change or delay the backup.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, fsStorage, isPgkeepError, PGKEEP_VERSION, type BackupManagerOptions, type EmailNotificationsOption, type ManagerEvents } from '../../src/index'
import { startSilentServer } from '@pgkeep/testkit/silent-server'
import { startSmtpServer, type ReceivedMail, type SmtpTestServer } from '../helpers/smtp-server'

const server = inject('pgDefault')
const LIMITED_ROLE = 'pgkeep_test_limited'
const SMTP_LOGIN = { user: 'backup-mailer', pass: 'smtp-pass-6021' }
const FROM = 'KostMan Backups <backups@kost.test>'
const TO = ['admin@kost.test', 'owner@kost.test']
let db: TestDatabase
let smtp: SmtpTestServer
const closers: (() => Promise<void>)[] = []

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function manager(email: Partial<EmailNotificationsOption>, extra: Partial<BackupManagerOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-email-'))
  const options: BackupManagerOptions = {
    connection: db.url, storage: fsStorage({ dir }), rateLimit: false,
    notifications: { email: { url: smtp.url, from: FROM, to: TO, ...email } }, ...extra,
  }
  const backups = createBackupManager(options)
  const alerts: ManagerEvents['alert'][] = []
  backups.on('alert', (a) => { alerts.push(a) })
  return { backups, alerts, dir, options }
}

/** The next `count` messages the server receives after `before`. */
async function mails(before: number, count: number, on: SmtpTestServer = smtp): Promise<ReceivedMail[]> {
  await until(`${count} message(s)`, () => on.received.length >= before + count)
  return on.received.slice(before, before + count)
}

/** What every message must be: from and to as configured, plain text, one part, no attachment, no secret. */
function expectPlainMail(mail: ReceivedMail, event: string): void {
  expect(mail.from).toBe('backups@kost.test')
  expect(mail.to).toEqual(TO)
  expect(mail.user).toBe(SMTP_LOGIN.user)
  expect(mail.parsed.from?.value).toEqual([{ name: 'KostMan Backups', address: 'backups@kost.test' }])
  expect((Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to]).flatMap((a) => a!.value.map((v) => v.address))).toEqual(TO)
  expect(mail.parsed.attachments).toEqual([])
  expect(mail.parsed.html).toBe(false)
  expect(mail.parsed.headers.get('content-type')).toMatchObject({ value: 'text/plain' })
  expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated')
  expect(mail.parsed.headers.get('x-pgkeep-event')).toBe(event)
  expect(mail.raw).not.toMatch(/Content-Disposition/i)
  for (const secret of [SMTP_LOGIN.pass, db.url, smtp.url]) expect(mail.raw).not.toContain(secret)
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'email' })
  await runSql(db.url, `
    CREATE TABLE rooms (id int PRIMARY KEY, name text);
    INSERT INTO rooms SELECT g, 'kamar ' || g FROM generate_series(1, 50) g;
    CREATE TABLE bills (id int PRIMARY KEY, room int, amount numeric);
    INSERT INTO bills SELECT g, g % 50 + 1, g * 1000 FROM generate_series(1, 120) g;
    CREATE TABLE secrets (id int);
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${LIMITED_ROLE}') THEN CREATE ROLE ${LIMITED_ROLE} LOGIN; END IF;
    END $$;
    GRANT SELECT ON rooms, bills TO ${LIMITED_ROLE};`)
  smtp = await startSmtpServer({ login: SMTP_LOGIN })
}, 120_000)
afterAll(async () => {
  for (const close of closers) await close()
  await smtp?.close()
  await db?.drop()
})

describe('e-mail notifications', () => {
  it('mails a stored backup in English: what happened, id, name, size, duration, tables, and the link to the backup page', async () => {
    const { backups, alerts } = await manager({ language: 'en', baseUrl: 'https://kost.test/settings/backup' })
    const before = smtp.received.length
    const record = await backups.create({ actor: 'admin-1' })
    const [mail] = await mails(before, 1)
    expectPlainMail(mail!, 'success')
    expect(mail!.parsed.subject).toBe(`[pgkeep] Backup completed: ${db.name} (${record.filename})`)
    const text = mail!.parsed.text!
    expect(text).toContain(`The backup of database "${db.name}" was made and stored.`)
    expect(text).toMatch(new RegExp(`^Backup: +${record.filename.replace(/\./g, '\\.')}$`, 'm'))
    expect(text).toMatch(new RegExp(`^ID: +${record.id}$`, 'm'))
    expect(text).toMatch(/^Type: +manual, by admin-1$/m)
    expect(text).toMatch(new RegExp(`^Size: +[\\d.]+ KB \\(${record.size.toLocaleString('en-GB')} B\\)$`, 'm'))
    // one decimal, rounded as people round (350 ms is 0.4 s; toFixed would say 0.3, from the binary 0.34999…)
    const seconds = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(record.metadata.duration / 1000)
    expect(text).toMatch(new RegExp(`^Duration: +${seconds} s$`, 'm'))
    expect(text).toMatch(/^Tables: +3, 170 rows$/m)
    for (const table of ['public.bills', 'public.rooms', 'public.secrets']) expect(text).toContain(`  - ${table}\n`)
    expect(text).toContain('Open the backups page: https://kost.test/settings/backup\n')
    expect(text).toContain(`pgkeep ${PGKEEP_VERSION}`)
    expect(alerts).toEqual([])
  })

  it('mails in Indonesian by default, without a link when no page is configured', async () => {
    const { backups, alerts } = await manager({})
    const before = smtp.received.length
    const record = await backups.create({ type: 'scheduled' })
    const [mail] = await mails(before, 1)
    expectPlainMail(mail!, 'success')
    expect(mail!.parsed.subject).toBe(`[pgkeep] Backup berhasil: ${db.name} (${record.filename})`)
    const text = mail!.parsed.text!
    expect(text).toContain(`Backup database "${db.name}" berhasil dibuat dan disimpan.`)
    expect(text).toMatch(/^Jenis: +terjadwal$/m)
    expect(text).toMatch(/^Tabel: +3, 170 baris$/m)
    // seconds with one decimal, in Indonesian (a decimal comma; 0.35 rounds to 0,4, where toFixed would give 0.3)
    const seconds = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(record.metadata.duration / 1000)
    expect(text).toMatch(new RegExp(`^Durasi: +${seconds} detik$`, 'm'))
    expect(text).not.toContain('http')
    expect(alerts).toEqual([])
  })

  it('mails a failed backup with its error code, message and hint, and only the events asked for', async () => {
    const limited = new URL(db.url)
    limited.username = LIMITED_ROLE
    const { backups, alerts } = await manager({ language: 'en', events: ['failure'] }, { connection: limited.toString() })
    const before = smtp.received.length
    // A success is not mailed: had it been, it would arrive before the failure's (one after the other, in order).
    await backups.create({ tables: ['rooms'] })
    const failed = await backups.create({ actor: 'admin-2' }).catch((e: unknown) => e)
    expect(isPgkeepError(failed, 'PERMISSION_DENIED')).toBe(true)
    const [mail] = await mails(before, 1)
    expectPlainMail(mail!, 'failure')
    expect(mail!.parsed.subject).toBe('[pgkeep] Backup FAILED (PERMISSION_DENIED)')
    const text = mail!.parsed.text!
    expect(text).toContain('A backup failed. Nothing was stored for it; earlier backups are not affected.')
    expect(text).toMatch(/^Error code: +PERMISSION_DENIED$/m)
    expect(text).toMatch(/^Message: +unable to .*secrets/m)
    expect(text).toMatch(/^What to do: +dump as the owner of the objects or a role with the needed privileges \(for example pg_read_all_data\)$/m)
    expect(text).toMatch(/^Type: +manual, by admin-2$/m)
    expect(text).toMatch(/^Duration: +\d+\.\d s$/m)
    expect(text).not.toContain(limited.toString())
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(smtp.received.length).toBe(before + 1)
    expect(alerts).toEqual([])
  })

  it('mails a verification that did not pass, table by table', async () => {
    const { backups, dir, options } = await manager({ language: 'en', events: ['verify-failure'] })
    const made = await backups.create()
    const manifestFile = join(dir, manifestKeyOf(made.storagePath))
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { tables: { name: string; rows: number }[] }
    manifest.tables.find((t) => t.name === 'bills')!.rows += 1
    await writeFile(manifestFile, JSON.stringify(manifest))
    // A fresh manager reads the edited manifest.
    const fresh = createBackupManager(options)
    const before = smtp.received.length
    const report = await fresh.verify(made.id)
    expect(report.ok).toBe(false)
    const [mail] = await mails(before, 1)
    expectPlainMail(mail!, 'verify-failure')
    expect(mail!.parsed.subject).toBe(`[pgkeep] Backup verification failed: ${made.filename}`)
    const text = mail!.parsed.text!
    expect(text).toMatch(new RegExp(`^ID: +${made.id}$`, 'm'))
    expect(text).toMatch(/^File integrity: +OK$/m)
    expect(text).toContain('Tables that differ:\n  - public.bills: expected 121 rows, found 120\n')
    expect(text).not.toContain('public.rooms')
  })

  it('mails an alert', async () => {
    const { backups } = await manager({ language: 'en', events: ['alert'] }, { alerts: { sizeAboveBytes: 1 } })
    const before = smtp.received.length
    const record = await backups.create()
    const [mail] = await mails(before, 1)
    expectPlainMail(mail!, 'alert')
    expect(mail!.parsed.subject).toBe('[pgkeep] Alert: backup-size-above')
    expect(mail!.parsed.text).toContain(`pgkeep raised an alert: backup ${record.filename} is ${record.size} bytes, above the 1-byte threshold`)
    expect(mail!.parsed.text).toMatch(/^Alert kind: +backup-size-above$/m)
  })

  it('retries a server that refuses, then raises email-failed; the backup is stored all the same', async () => {
    const refusing = await startSmtpServer({ refuse: [550, 'mailbox unavailable'] })
    closers.push(refusing.close)
    const { backups, alerts } = await manager({ url: refusing.url, retries: 2, events: ['success'] })
    const record = await backups.create()
    expect(record.status).toBe('completed')
    await until('the alert', () => alerts.length > 0)
    expect(refusing.attempts).toBe(3)
    expect(refusing.received).toEqual([])
    const [alert] = alerts
    expect(alert!.kind).toBe('email-failed')
    expect(alert!.message).toMatch(new RegExp(`^the success e-mail via 127\\.0\\.0\\.1:${refusing.port} failed after 3 attempt\\(s\\): EMESSAGE: .*550 mailbox unavailable`))
    expect(alert!.detail).toMatchObject({ event: 'success', server: `127.0.0.1:${refusing.port}`, attempts: 3, backupId: record.id })
    expect((await backups.list()).map((r) => r.id)).toEqual([record.id])
    // Its own alert is not mailed (nor tried).
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(refusing.attempts).toBe(3)
  })

  it('raises email-failed for a login the server rejects, naming the server by host and port, never the password', async () => {
    const { backups, alerts } = await manager({ url: `smtp://${SMTP_LOGIN.user}:wrong-pass-8812@127.0.0.1:${smtp.port}`, retries: 1, events: ['success'] })
    const before = smtp.received.length
    const record = await backups.create()
    expect(record.status).toBe('completed')
    await until('the alert', () => alerts.length > 0)
    const [alert] = alerts
    expect(alert!.kind).toBe('email-failed')
    expect(alert!.message).toMatch(new RegExp(`^the success e-mail via 127\\.0\\.0\\.1:${smtp.port} failed after 2 attempt\\(s\\): EAUTH: .*535`))
    for (const secret of ['wrong-pass-8812', 'smtp://']) expect(JSON.stringify(alert)).not.toContain(secret)
    expect(smtp.received.length).toBe(before)
  })

  it('gives up on a server that never answers after its timeout, and the backup did not wait for it', async () => {
    const silent = await startSilentServer()
    closers.push(silent.close)
    const { backups, alerts } = await manager({ url: `smtp://127.0.0.1:${silent.port}`, timeoutMs: 500, retries: 1, events: ['success'] })
    const record = await backups.create()
    // create() resolved with its record before the e-mail gave up.
    expect(alerts).toEqual([])
    expect((await backups.get(record.id)).sha256).toBe(record.sha256)
    await until('the alert', () => alerts.length > 0)
    expect(silent.connections).toBe(2)
    expect(alerts[0]).toMatchObject({
      kind: 'email-failed',
      message: `the success e-mail via 127.0.0.1:${silent.port} failed after 2 attempt(s): no answer within 500 ms`,
      detail: { event: 'success', server: `127.0.0.1:${silent.port}`, attempts: 2, error: 'no answer within 500 ms', backupId: record.id },
    })
  })

  it('validates the options, naming the field and never the SMTP password', () => {
    const bad = (email: unknown) => {
      try {
        createBackupManager({ connection: db.url, notifications: { email } } as never)
        return null
      } catch (e) {
        expect(isPgkeepError(e, 'OPTIONS_INVALID')).toBe(true)
        return e as Error
      }
    }
    const ok = { url: smtp.url, from: FROM, to: TO }
    const http = bad({ ...ok, url: 'https://mailer:pw-secret-4471@mail.kost.test/' })
    expect(http?.message).toContain('notifications.email.url: must be an smtp:// or smtps:// URL')
    for (const shown of [http?.message, JSON.stringify(http), String(http?.cause)]) expect(shown).not.toContain('pw-secret-4471')
    expect(bad({ ...ok, url: 'smtp://mailer:pw@mail.kost.test/path?x=1' })?.message).toContain('notifications.email.url')
    expect(bad({ ...ok, url: 'not a url' })?.message).toContain('notifications.email.url')
    expect(bad({ ...ok, from: 'nobody' })?.message).toContain('notifications.email.from: must be an e-mail address')
    expect(bad({ ...ok, from: 'Ops <ops@kost.test>\r\nBcc: x@evil.test' })?.message).toContain('notifications.email.from')
    expect(bad({ ...ok, to: [] })?.message).toContain('notifications.email.to')
    expect(bad({ ...ok, to: ['admin@kost.test', 'not-an-address'] })?.message).toContain('notifications.email.to.1')
    expect(bad({ ...ok, events: ['succes'] })?.message).toContain('notifications.email.events.0')
    expect(bad({ ...ok, language: 'fr' })?.message).toContain('notifications.email.language: must be "id" or "en"')
    expect(bad({ ...ok, baseUrl: 'javascript:alert(1)' })?.message).toContain('notifications.email.baseUrl')
    expect(bad({ ...ok, timeoutMs: 0 })?.message).toContain('notifications.email.timeoutMs')
    expect(bad({ ...ok, attach: true })?.message).toContain('notifications.email')
    expect(bad({ url: smtp.url, to: TO })?.message).toContain('notifications.email.from')
    expect(bad(ok)).toBeNull()
    expect(bad({ ...ok, url: 'smtps://mail.kost.test', to: 'Admin <admin@kost.test>', events: ['failure'], language: 'en', baseUrl: 'https://kost.test/backup' })).toBeNull()
  })
})
