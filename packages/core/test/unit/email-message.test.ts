// The text of the notification e-mails (pure): bounded table lists, one-line header values, the SMTP
// URL reduced to its host and port.
import { describe, expect, it } from 'vitest'
import type { BackupRecord } from '../../src/backup/backup-record'
import { composeEmail, LISTED_TABLES } from '../../src/notify/email-message'
import { smtpTarget, smtpUrlProblem, withoutSecrets } from '../../src/notify/smtp-url'

const record: BackupRecord = {
  id: '0b6f3c2e-1111-4a4a-8b8b-123456789abc', filename: 'kost-2026-12-04-1764813605000.sql.gz', size: 1_843_200, type: 'scheduled',
  storagePath: 'backups/2026/kost-2026-12-04-1764813605000.sql.gz',
  metadata: { tables: Array.from({ length: LISTED_TABLES + 3 }, (_, i) => `public.t${i}`), recordCount: 123_456, duration: 3456 },
  createdBy: null, createdAt: new Date('2026-12-04T02:00:05Z'), sha256: 'ab', serverVersion: '15.10', database: 'kost', status: 'completed', verified: null, pinned: false, copies: [], signed: false,
}

describe('composeEmail', () => {
  it('lists the first tables and counts the rest', () => {
    const { text } = composeEmail({ event: 'success', record, at: new Date('2026-12-04T02:00:05Z') }, { language: 'en' })
    expect(text).toContain(`  - public.t${LISTED_TABLES - 1}\n  - and 3 more\n`)
    expect(text).not.toContain(`public.t${LISTED_TABLES}\n`)
    expect(text).toMatch(/^Size: +1\.8 MB \(1,843,200 B\)$/m)
    expect(text).toMatch(/^Finished: +4 Dec 2026, 02:00:05 UTC$/m)
    const id = composeEmail({ event: 'success', record, at: new Date('2026-12-04T02:00:05Z') }, { language: 'id' }).text
    expect(id).toMatch(/^Ukuran: +1,8 MB \(1\.843\.200 B\)$/m)
    expect(id).toContain('  - dan 3 lainnya\n')
  })

  it('keeps every header and field value on one line', () => {
    const message = composeEmail({ event: 'alert', alert: { kind: 'x\r\nBcc: evil@kost.test', message: 'line one\nline two', at: new Date(0) } }, { language: 'en' })
    expect(message.subject).toBe('[pgkeep] Alert: x Bcc: evil@kost.test')
    expect(message.text).toMatch(/^Alert kind: +x Bcc: evil@kost\.test$/m)
    const failure = composeEmail({ event: 'failure', id: record.id, type: 'manual', actor: 'ops', code: 'COPY_FAILED', message: 'a\nb', at: new Date(0) }, { language: 'en' })
    expect(failure.text).toMatch(/^Message: +a b$/m)
  })
})

describe('smtp URL', () => {
  it('names the host and port only, with the default ports', () => {
    expect(smtpTarget('smtp://u%40kost:p%2Fw@mail.kost.test')).toMatchObject({ host: 'mail.kost.test', port: 587, secure: false, auth: { user: 'u@kost', pass: 'p/w' }, label: 'mail.kost.test:587' })
    expect(smtpTarget('smtps://mail.kost.test')).toMatchObject({ port: 465, secure: true, label: 'mail.kost.test:465' })
    expect(smtpTarget('smtp://[::1]:2525')).toMatchObject({ host: '::1', label: '[::1]:2525' })
    expect(smtpTarget('smtp://mail.kost.test:25')).not.toHaveProperty('auth')
  })

  it('refuses other schemes, paths, queries and a password without a user', () => {
    expect(smtpUrlProblem('smtp://u:p@mail.kost.test:587')).toBeNull()
    expect(smtpUrlProblem('https://mail.kost.test')).toMatch(/smtp:\/\//)
    expect(smtpUrlProblem('smtp://mail.kost.test/x')).toMatch(/without a path/)
    expect(smtpUrlProblem('smtp://mail.kost.test?secure=true')).toMatch(/without a path, query/)
    expect(smtpUrlProblem('smtp://:secret@mail.kost.test')).toMatch(/no user name/)
  })

  it('masks the password, raw and decoded, and any smtp URL in a text', () => {
    const target = smtpTarget('smtp://mailer:p%40ss-77@mail.kost.test:587')
    expect(withoutSecrets('login p@ss-77 / p%40ss-77 at smtp://mailer:p%40ss-77@mail.kost.test:587 failed', target)).toBe('login *** / *** at *** failed')
    expect(withoutSecrets('see smtps://other:x@host', target)).toBe('see smtp://***')
  })
})
