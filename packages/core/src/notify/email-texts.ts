// Every text of the notification e-mails, in Indonesian and English, with the number, size and date
// formats of each. The Indonesian wording follows the backup card's ("Backup berhasil", "Backup gagal").
import type { EmailLanguage } from './email-options'

export interface EmailTexts {
  /** BCP 47 tag for numbers and dates. */
  intl: string
  successSubject: (database: string, filename: string) => string
  successIntro: (database: string) => string
  failureSubject: (code: string) => string
  failureIntro: string
  verifySubject: (filename: string) => string
  verifyIntro: string
  alertSubject: (kind: string) => string
  alertIntro: string
  backup: string
  id: string
  database: string
  type: string
  manual: string
  scheduled: string
  by: (actor: string) => string
  size: string
  duration: string
  tables: string
  rows: (count: string) => string
  andMore: (count: number) => string
  none: string
  finishedAt: string
  failedAt: string
  verifiedAt: string
  raisedAt: string
  errorCode: string
  errorMessage: string
  hint: string
  integrity: string
  integrityDamaged: (members: number) => string
  tablesDiffering: string
  tableFound: (expectedRows: string, foundRows: string | null, contentDiffers: boolean) => string
  sequencesDiffering: string
  sequenceFound: (expected: string, found: string | null) => string
  alertKind: string
  seconds: string
  openPage: string
  footer: (version: string) => string
}

const id: EmailTexts = {
  intl: 'id-ID',
  successSubject: (database, filename) => `[pgkeep] Backup berhasil: ${database} (${filename})`,
  successIntro: (database) => `Backup database "${database}" berhasil dibuat dan disimpan.`,
  failureSubject: (code) => `[pgkeep] Backup GAGAL (${code})`,
  failureIntro: 'Sebuah backup gagal. Tidak ada yang disimpan untuk backup ini; backup sebelumnya tidak terpengaruh.',
  verifySubject: (filename) => `[pgkeep] Verifikasi backup gagal: ${filename}`,
  verifyIntro: 'Verifikasi sebuah backup gagal: isi backup tidak cocok dengan manifest-nya saat dipulihkan ke database sementara.',
  alertSubject: (kind) => `[pgkeep] Peringatan: ${kind}`,
  alertIntro: 'pgkeep mengirim peringatan:',
  backup: 'Backup',
  id: 'ID',
  database: 'Database',
  type: 'Jenis',
  manual: 'manual',
  scheduled: 'terjadwal',
  by: (actor) => `oleh ${actor}`,
  size: 'Ukuran',
  duration: 'Durasi',
  tables: 'Tabel',
  rows: (count) => `${count} baris`,
  andMore: (count) => `dan ${count} lainnya`,
  none: 'tidak ada',
  finishedAt: 'Selesai',
  failedAt: 'Gagal pada',
  verifiedAt: 'Diverifikasi',
  raisedAt: 'Waktu',
  errorCode: 'Kode error',
  errorMessage: 'Pesan',
  hint: 'Saran',
  integrity: 'Integritas file',
  integrityDamaged: (members) => `rusak (${members} bagian tidak cocok)`,
  tablesDiffering: 'Tabel yang berbeda',
  tableFound: (expected, found, differs) => `diharapkan ${expected} baris, ditemukan ${found ?? '-'}${differs ? ', isi berbeda' : ''}`,
  sequencesDiffering: 'Sequence yang berbeda',
  sequenceFound: (expected, found) => `diharapkan ${expected}, ditemukan ${found ?? '-'}`,
  alertKind: 'Jenis peringatan',
  seconds: 'detik',
  openPage: 'Buka halaman backup',
  footer: (version) => `Dikirim otomatis oleh pgkeep ${version}.`,
}

const en: EmailTexts = {
  intl: 'en-GB',
  successSubject: (database, filename) => `[pgkeep] Backup completed: ${database} (${filename})`,
  successIntro: (database) => `The backup of database "${database}" was made and stored.`,
  failureSubject: (code) => `[pgkeep] Backup FAILED (${code})`,
  failureIntro: 'A backup failed. Nothing was stored for it; earlier backups are not affected.',
  verifySubject: (filename) => `[pgkeep] Backup verification failed: ${filename}`,
  verifyIntro: 'The verification of a backup failed: restored into a scratch database, it did not match its manifest.',
  alertSubject: (kind) => `[pgkeep] Alert: ${kind}`,
  alertIntro: 'pgkeep raised an alert:',
  backup: 'Backup',
  id: 'ID',
  database: 'Database',
  type: 'Type',
  manual: 'manual',
  scheduled: 'scheduled',
  by: (actor) => `by ${actor}`,
  size: 'Size',
  duration: 'Duration',
  tables: 'Tables',
  rows: (count) => `${count} rows`,
  andMore: (count) => `and ${count} more`,
  none: 'none',
  finishedAt: 'Finished',
  failedAt: 'Failed at',
  verifiedAt: 'Verified',
  raisedAt: 'Time',
  errorCode: 'Error code',
  errorMessage: 'Message',
  hint: 'What to do',
  integrity: 'File integrity',
  integrityDamaged: (members) => `damaged (${members} part(s) do not match)`,
  tablesDiffering: 'Tables that differ',
  tableFound: (expected, found, differs) => `expected ${expected} rows, found ${found ?? '-'}${differs ? ', content differs' : ''}`,
  sequencesDiffering: 'Sequences that differ',
  sequenceFound: (expected, found) => `expected ${expected}, found ${found ?? '-'}`,
  alertKind: 'Alert kind',
  seconds: 's',
  openPage: 'Open the backups page',
  footer: (version) => `Sent automatically by pgkeep ${version}.`,
}

export const EMAIL_TEXTS: Readonly<Record<EmailLanguage, EmailTexts>> = { id, en }

/** `1536` → `1,5 KB` (id) / `1.5 KB` (en): binary units, one decimal above bytes, as the backup card shows sizes. */
export function formatSize(bytes: number, t: EmailTexts): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 ? 0 : 1
  return `${new Intl.NumberFormat(t.intl, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${units[unit]}`
}

/** A whole number with the language's grouping: `1.234` (id), `1,234` (en). */
export function formatCount(value: number, t: EmailTexts): string {
  return new Intl.NumberFormat(t.intl, { maximumFractionDigits: 0 }).format(value)
}

/** Milliseconds as seconds with one decimal: `3,4 detik` / `3.4 s`. */
export function formatDuration(ms: number, t: EmailTexts): string {
  return `${new Intl.NumberFormat(t.intl, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ms / 1000)} ${t.seconds}`
}

/** A moment in UTC, in the language's calendar: `4 Des 2026, 16.23.05 UTC`. */
export function formatTime(at: Date, t: EmailTexts): string {
  return `${new Intl.DateTimeFormat(t.intl, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(at)} UTC`
}
