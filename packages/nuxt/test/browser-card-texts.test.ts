// The settings card's pure parts, without a browser: sizes and dates as the card prints them, the file
// name out of Content-Disposition (never a folder), minutes out of Retry-After, and the two languages
// saying the same things.
import { describe, expect, it } from 'vitest'
import { filenameFromDisposition, formatDate, formatSize, retryMinutes } from '../src/runtime/components/backup-card/format'
import { cardTexts } from '../src/runtime/components/backup-card/texts'

describe('formatSize', () => {
  it('uses B, KB and MB with the locale\'s decimal mark', () => {
    expect(formatSize(812, 'id-ID')).toBe('812 B')
    expect(formatSize(1536, 'id-ID')).toBe('1,5 KB')
    expect(formatSize(2_726_298, 'id-ID')).toBe('2,6 MB')
    expect(formatSize(2_726_298, 'en-GB')).toBe('2.6 MB')
    expect(formatSize(5 * 1024 ** 3, 'en-GB')).toBe('5.0 GB')
    expect(formatSize(-1, 'en-GB')).toBe('0 B')
  })
})

describe('formatDate', () => {
  it('prints the id-ID calendar, and passes an unreadable value through', () => {
    expect(formatDate('2026-12-04T13:33:00Z', 'id-ID')).toMatch(/^4 Des 2026/)
    expect(formatDate('not a date', 'id-ID')).toBe('not a date')
  })
})

describe('filenameFromDisposition', () => {
  it('reads quoted, bare and RFC 5987 names, preferring filename*', () => {
    expect(filenameFromDisposition('attachment; filename="kostman-backup-2026-12-04.sql.gz"')).toBe('kostman-backup-2026-12-04.sql.gz')
    expect(filenameFromDisposition('attachment; filename=a.sql.gz')).toBe('a.sql.gz')
    expect(filenameFromDisposition(`attachment; filename="fallback.sql.gz"; filename*=UTF-8''caf%C3%A9.sql.gz`)).toBe('café.sql.gz')
    expect(filenameFromDisposition('attachment; filename="say \\"hi\\".sql.gz"')).toBe('say "hi".sql.gz')
  })

  it('keeps only the last path segment and answers undefined without a name', () => {
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd')
    expect(filenameFromDisposition(`attachment; filename*=UTF-8''..%2F..%5Cx.sql.gz`)).toBe('x.sql.gz')
    expect(filenameFromDisposition('attachment')).toBeUndefined()
    expect(filenameFromDisposition(null)).toBeUndefined()
  })
})

describe('retryMinutes', () => {
  it('rounds seconds up to whole minutes, at least 1', () => {
    expect(retryMinutes('1500')).toBe(25)
    expect(retryMinutes('3599')).toBe(60)
    expect(retryMinutes('1')).toBe(1)
    expect(retryMinutes('0')).toBe(1)
  })

  it('reads an HTTP date and ignores nonsense', () => {
    const now = Date.parse('2026-12-04T13:00:00Z')
    expect(retryMinutes('Fri, 04 Dec 2026 13:10:30 GMT', now)).toBe(11)
    expect(retryMinutes('soon')).toBeUndefined()
    expect(retryMinutes(null)).toBeUndefined()
  })
})

describe('cardTexts', () => {
  it('is Indonesian by default and English with "en"', () => {
    expect(cardTexts(undefined).backupNow).toBe('Backup Sekarang')
    expect(cardTexts('id').confirmTitle).toBe('Hapus Backup Lama?')
    expect(cardTexts('en').backupNow).toBe('Back up now')
  })

  it('words counts and refusals in both languages', () => {
    const id = cardTexts('id')
    const en = cardTexts('en')
    expect(id.cleanupOk(3)).toBe('3 backup lama dihapus')
    expect(id.cleanupOk(0)).toBe('Tidak ada backup lama yang perlu dihapus')
    expect(en.cleanupOk(1)).toBe('1 old backup deleted')
    expect(id.backupFailed(id.forbiddenBackup)).toBe('Backup gagal: Hanya administrator yang dapat membuat backup')
    expect(id.rateLimited(25)).toBe('Batas backup manual tercapai. Coba lagi dalam 25 menit.')
    expect(en.rateLimited(1)).toBe('Manual backup limit reached. Try again in 1 minute.')
  })

  it('says why a backup is untrusted, for each signature the server answers', () => {
    const id = cardTexts('id')
    const en = cardTexts('en')
    expect(id.untrustedTitle('no-member-checksums')).toBe('Manifest backup ini ditandatangani tanpa checksum isinya, sehingga isinya tidak dapat diperiksa. Backup ini tidak akan dipulihkan, diverifikasi, atau diunduh.')
    expect(en.untrustedTitle('no-member-checksums')).toBe('This backup\'s manifest is signed without the checksums of its contents, so its contents cannot be checked. It will not be restored, verified or downloaded.')
    expect(en.downloadUntrusted).toBe('An untrusted backup cannot be downloaded: the server refuses to use it.')
    const reasons = ['tampered', 'unknown-key', 'unsigned', 'no-member-checksums', undefined].map((s) => id.untrustedTitle(s))
    expect(new Set(reasons).size).toBe(reasons.length)
  })

  it('has every text in both languages', () => {
    const id = cardTexts('id')
    const en = cardTexts('en')
    expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort())
    for (const key of Object.keys(id) as Array<keyof typeof id>) {
      expect(typeof en[key], key).toBe(typeof id[key])
      if (typeof id[key] === 'string') expect(id[key], key).not.toBe('')
    }
    expect(en.tips).toHaveLength(id.tips.length)
  })
})
