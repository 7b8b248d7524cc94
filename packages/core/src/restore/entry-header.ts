// Reads pg_dump's TOC comment line, `-- [Data for |Statistics for ]Name: <tag>; Type: <desc>; Schema: <ns>;
// Owner: <owner>[; Tablespace: <ts>]` (pg_backup_archiver.c `_printTocEntry`). Tags, schema and owner are
// printed raw (only newlines become spaces, dumputils.c `sanitize_line`), so they may hold "; " themselves.
// The type is always one of pg_dump's upper-case descriptions, which anchors the split: the first
// "; Type: " followed by upper-case words and "; Schema: " ends the tag.
import type { EntryHeader } from './script-item'

const PREFIX = /^-- (Data for |Statistics for )?Name: /
const TYPE_AT = /; Type: ([A-Z][A-Z ]*); Schema: /g
const OWNER = '; Owner: '
const TABLESPACE = '; Tablespace: '

/** The header on this comment line (text from `--` to the end of the line), or null when it is not one. */
export function parseEntryHeader(comment: string, line: number): EntryHeader | null {
  const prefix = PREFIX.exec(comment)
  if (!prefix) return null
  const rest = comment.slice(prefix[0].length).replace(/\r$/, '')
  TYPE_AT.lastIndex = 0
  const type = TYPE_AT.exec(rest)
  if (!type) return null
  const name = rest.slice(0, type.index)
  const afterType = rest.slice(type.index + type[0].length)
  const ownerAt = afterType.indexOf(OWNER)
  if (ownerAt < 0) return null
  const schema = afterType.slice(0, ownerAt)
  let owner = afterType.slice(ownerAt + OWNER.length)
  let tablespace: string | undefined
  const tablespaceAt = owner.lastIndexOf(TABLESPACE)
  if (tablespaceAt >= 0) {
    tablespace = owner.slice(tablespaceAt + TABLESPACE.length)
    owner = owner.slice(0, tablespaceAt)
  }
  const header: EntryHeader = {
    name,
    type: type[1]!,
    schema: schema === '-' ? null : schema,
    owner: owner === '-' ? null : owner,
    isData: prefix[1] === 'Data for ',
    isStatistics: prefix[1] === 'Statistics for ',
    line,
  }
  if (tablespace !== undefined) header.tablespace = tablespace
  return header
}
