// The subject and plain-text body of one notification e-mail: what happened, to which backup, with its
// size, duration and tables, or the error code and its hint; a link to the app's backup page when one
// is configured. Pure: it sees only what the events carry, which holds no secret (no connection
// string, no storage key, no webhook or SMTP URL).
import type { BackupRecord } from '../backup/backup-record'
import type { VerifyReport } from '../backup/verify-backup'
import type { ManagerEvents } from '../manager/events'
import { PGKEEP_VERSION } from '../version'
import type { EmailEvent, EmailLanguage } from './email-options'
import { EMAIL_TEXTS, formatCount, formatDuration, formatSize, formatTime, type EmailTexts } from './email-texts'

/** What one e-mail is about. */
export type EmailNotice =
  | { event: 'success'; record: BackupRecord; at: Date }
  | { event: 'failure'; id: string; type: 'manual' | 'scheduled'; actor: string | null; code: string; message: string; hint?: string; durationMs?: number; at: Date }
  | { event: 'verify-failure'; report: VerifyReport; record: BackupRecord | null; at: Date }
  | { event: 'alert'; alert: ManagerEvents['alert'] }

export interface EmailMessage {
  event: EmailEvent
  subject: string
  text: string
}

/** Table names listed in a message; the rest are counted. */
export const LISTED_TABLES = 20

export function composeEmail(notice: EmailNotice, options: { language: EmailLanguage; baseUrl?: string | undefined }): EmailMessage {
  const t = EMAIL_TEXTS[options.language]
  const { subject, intro, fields, sections } = parts(notice, t)
  const lines = [intro, '', ...table(fields)]
  for (const section of sections) lines.push('', `${section.title}:`, ...section.lines.map((l) => `  - ${l}`))
  if (options.baseUrl) lines.push('', `${t.openPage}: ${options.baseUrl}`)
  lines.push('', '-- ', t.footer(PGKEEP_VERSION))
  return { event: notice.event, subject: oneLine(subject), text: `${lines.join('\n')}\n` }
}

// --- internal ---

type Field = [label: string, value: string]

interface Parts {
  subject: string
  intro: string
  fields: Field[]
  sections: { title: string; lines: string[] }[]
}

function parts(notice: EmailNotice, t: EmailTexts): Parts {
  switch (notice.event) {
    case 'success': {
      const r = notice.record
      return {
        subject: t.successSubject(r.database, r.filename),
        intro: t.successIntro(r.database),
        fields: [
          [t.backup, r.filename],
          [t.id, r.id],
          [t.database, r.database],
          [t.type, typeOf(r.type, r.createdBy, t)],
          [t.size, `${formatSize(r.size, t)} (${formatCount(r.size, t)} B)`],
          [t.duration, formatDuration(r.metadata.duration, t)],
          [t.tables, `${formatCount(r.metadata.tables.length, t)}, ${t.rows(formatCount(r.metadata.recordCount, t))}`],
          [t.finishedAt, formatTime(notice.at, t)],
        ],
        sections: r.metadata.tables.length > 0 ? [{ title: t.tables, lines: listed(r.metadata.tables, t) }] : [],
      }
    }
    case 'failure':
      return {
        subject: t.failureSubject(notice.code),
        intro: t.failureIntro,
        fields: [
          [t.id, notice.id],
          [t.type, typeOf(notice.type, notice.actor, t)],
          [t.errorCode, notice.code],
          [t.errorMessage, notice.message],
          ...(notice.hint ? [[t.hint, notice.hint] as Field] : []),
          ...(notice.durationMs !== undefined ? [[t.duration, formatDuration(notice.durationMs, t)] as Field] : []),
          [t.failedAt, formatTime(notice.at, t)],
        ],
        sections: [],
      }
    case 'verify-failure': {
      const { report, record: r } = notice
      const tables = report.tables.filter((x) => !x.ok).map((x) => `${x.schema}.${x.name}: ${t.tableFound(formatCount(x.expectedRows, t), x.foundRows === null ? null : formatCount(x.foundRows, t), x.foundRows === x.expectedRows && x.foundSha256 !== x.expectedSha256)}`)
      const sequences = report.sequences.filter((x) => !x.ok).map((x) => `${x.schema}.${x.name}: ${t.sequenceFound(x.expected, x.found)}`)
      return {
        subject: t.verifySubject(r?.filename ?? report.id),
        intro: t.verifyIntro,
        fields: [
          ...(r ? [[t.backup, r.filename] as Field] : []),
          [t.id, report.id],
          ...(r ? [[t.database, r.database] as Field, [t.size, `${formatSize(r.size, t)} (${formatCount(r.size, t)} B)`] as Field] : []),
          [t.integrity, report.integrity.ok ? 'OK' : t.integrityDamaged(report.integrity.damaged.length)],
          ...(report.error ? [[t.errorCode, report.error.code] as Field, [t.errorMessage, report.error.message] as Field] : []),
          [t.duration, formatDuration(report.durationMs, t)],
          [t.verifiedAt, formatTime(notice.at, t)],
        ],
        sections: [
          ...(tables.length > 0 ? [{ title: t.tablesDiffering, lines: listed(tables, t) }] : []),
          ...(sequences.length > 0 ? [{ title: t.sequencesDiffering, lines: listed(sequences, t) }] : []),
        ],
      }
    }
    case 'alert':
      return {
        subject: t.alertSubject(notice.alert.kind),
        intro: `${t.alertIntro} ${notice.alert.message}`,
        fields: [
          [t.alertKind, notice.alert.kind],
          [t.raisedAt, formatTime(notice.alert.at, t)],
        ],
        sections: [],
      }
  }
}

function typeOf(type: 'manual' | 'scheduled', actor: string | null, t: EmailTexts): string {
  const name = type === 'manual' ? t.manual : t.scheduled
  return actor ? `${name}, ${t.by(actor)}` : name
}

/** The first LISTED_TABLES items, then "and N more". */
function listed(items: string[], t: EmailTexts): string[] {
  return items.length > LISTED_TABLES ? [...items.slice(0, LISTED_TABLES), t.andMore(items.length - LISTED_TABLES)] : items
}

/** Label: value lines, the values aligned. */
function table(fields: Field[]): string[] {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}${oneLine(value)}`)
}

/** A value on one line: a header must not be split, and a field must not look like two. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ')
}
