// What a TOC entry is, from its header's Type (pg_dump's descriptions): its section, and whether
// pg_restore treats it as data (for schemaOnly / dataOnly).
import type { EntryHeader } from './script-item'

export type Section = 'PRE_DATA' | 'DATA' | 'POST_DATA' | 'NONE'

const POST_DATA = new Set([
  'INDEX', 'INDEX ATTACH', 'CONSTRAINT', 'CHECK CONSTRAINT', 'FK CONSTRAINT', 'TRIGGER', 'RULE', 'POLICY', 'ROW SECURITY',
  'PUBLICATION', 'PUBLICATION TABLE', 'PUBLICATION TABLES IN SCHEMA', 'SUBSCRIPTION', 'DEFAULT ACL', 'EVENT TRIGGER',
  'MATERIALIZED VIEW DATA', 'STATISTICS',
])
const DATA = new Set(['TABLE DATA', 'SEQUENCE SET', 'BLOBS', 'BLOB METADATA', 'LARGE OBJECTS', 'STATISTICS DATA'])
const NONE = new Set(['COMMENT', 'ACL', 'SECURITY LABEL'])

export function sectionOf(header: EntryHeader): Section {
  if (header.isData || DATA.has(header.type)) return 'DATA'
  if (POST_DATA.has(header.type)) return 'POST_DATA'
  if (NONE.has(header.type)) return 'NONE'
  return 'PRE_DATA'
}

/** pg_restore's notion of data: rows, sequence values, large objects and their comments/ACLs. */
export function isDataEntry(header: EntryHeader): boolean {
  if (sectionOf(header) === 'DATA' || header.type === 'BLOB') return true
  return NONE.has(header.type) && (header.name.startsWith('LARGE OBJECT ') || header.name.startsWith('LARGE OBJECTS '))
}

/** Entries naming a relation whose data `tables` (pg_restore -t) selects, with the data entries' types. */
export const RELATION_TYPES = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE'])
export const RELATION_DATA_TYPES = new Set(['TABLE DATA', 'SEQUENCE SET', 'MATERIALIZED VIEW DATA'])
