// A comparison as text for people: what was added, removed and changed, one line each, then the
// tables whose rows changed, sequences, and the backups' sizes and versions.
import type { BackupDiff } from './backup-diff'
import type { EntryRef } from './dump-facts'

export function formatDiff(diff: BackupDiff): string {
  const lines: string[] = []
  const side = (s: BackupDiff['a']) => [s.label, s.createdAt, s.serverVersion && `PostgreSQL ${s.serverVersion}`, `${s.size} bytes`].filter(Boolean).join(', ')
  lines.push(`a: ${side(diff.a)}`, `b: ${side(diff.b)}`)
  if (diff.identical) lines.push('no differences in schema, rows or sequences')
  const entry = (e: EntryRef) => `${e.type} ${e.schema ? `${e.schema}.` : ''}${e.name}`
  for (const e of diff.objects.added) lines.push(`+ ${entry(e)}`)
  for (const e of diff.objects.removed) lines.push(`- ${entry(e)}`)
  for (const e of diff.objects.changed) lines.push(`~ ${entry(e)}`)
  for (const t of diff.tables.added) lines.push(`+ rows ${t.schema}.${t.name}: ${t.rows}`)
  for (const t of diff.tables.removed) lines.push(`- rows ${t.schema}.${t.name}: ${t.rows}`)
  for (const t of diff.tables.changed) {
    const delta = t.rows.b - t.rows.a
    const count = delta === 0 ? `${t.rows.a} rows` : `${t.rows.a} → ${t.rows.b} rows (${delta > 0 ? '+' : ''}${delta})`
    lines.push(`~ rows ${t.schema}.${t.name}: ${count}${t.contentChanged ? ', content changed' : ''}`)
  }
  for (const s of diff.sequences) lines.push(`~ sequence ${s.schema}.${s.name}: ${s.a ?? '(none)'} → ${s.b ?? '(none)'}`)
  for (const [name, { a, b }] of Object.entries(diff.options)) lines.push(`~ option ${name}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`)
  return `${lines.join('\n')}\n`
}
