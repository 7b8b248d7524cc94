// Reads `pg_restore -l` output: one line per TOC entry, `dumpId; tableoid oid TYPE schema name owner`
// (pg_backup_archiver.c PrintTOCSummary; schema `-` when there is none, owner empty for some entries).
// The type may hold spaces (`TABLE DATA`, `FK CONSTRAINT`) and so may the name (`SCHEMA public`,
// `film_in_stock(integer, integer)`), so the line is split at the longest known type; pg_dump's
// descriptions (pg_dump.c, 13–18) are listed here. Also: which entries only an archive lists, and the
// order in which pg_restore (and pg_dump's plain output) applies entries (its restore passes).

export interface TocLine {
  dumpId: number
  type: string
  schema: string | null
  name: string
  owner: string | null
}

/** The `desc` of every TOC entry pg_dump 13–18 writes. */
export const TOC_TYPES: readonly string[] = [
  'ACCESS METHOD', 'ACL', 'ACL LANGUAGE', 'AGGREGATE', 'ATTRDEF', 'BLOB', 'BLOB METADATA', 'BLOBS', 'CAST', 'CHECK CONSTRAINT',
  'COLLATION', 'COMMENT', 'CONSTRAINT', 'CONVERSION', 'DATABASE', 'DATABASE PROPERTIES', 'DEFAULT', 'DEFAULT ACL', 'DOMAIN',
  'DUMMY TYPE', 'ENCODING', 'EVENT TRIGGER', 'EXTENSION', 'FK CONSTRAINT', 'FOREIGN DATA WRAPPER', 'FOREIGN SERVER',
  'FOREIGN TABLE', 'FUNCTION', 'INDEX', 'INDEX ATTACH', 'LARGE OBJECT', 'LARGE OBJECTS', 'MATERIALIZED VIEW',
  'MATERIALIZED VIEW DATA', 'OPERATOR', 'OPERATOR CLASS', 'OPERATOR FAMILY', 'POLICY', 'PROCEDURAL LANGUAGE', 'PROCEDURE',
  'PUBLICATION', 'PUBLICATION TABLE', 'PUBLICATION TABLES IN SCHEMA', 'ROW SECURITY', 'RULE', 'SCHEMA', 'SEARCHPATH',
  'SECURITY LABEL', 'SEQUENCE', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'SERVER', 'SHELL TYPE', 'STATISTICS', 'STATISTICS DATA',
  'STDSTRINGS', 'SUBSCRIPTION', 'SUBSCRIPTION TABLE', 'TABLE', 'TABLE ATTACH', 'TABLE DATA', 'TEXT SEARCH CONFIGURATION',
  'TEXT SEARCH DICTIONARY', 'TEXT SEARCH PARSER', 'TEXT SEARCH TEMPLATE', 'TRANSFORM', 'TRIGGER', 'TYPE', 'USER MAPPING', 'VIEW',
]

const BY_LENGTH = [...TOC_TYPES].sort((a, b) => b.length - a.length)
const LINE = /^(\d+); (\d+) (\d+) (.*)$/

/** The entries of a `pg_restore -l` listing, in its order; `;` comment lines and blank lines are left out. */
export function parseRestoreList(text: string): TocLine[] {
  const entries: TocLine[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith(';')) continue
    const m = LINE.exec(line)
    if (!m) throw new Error(`unable to read pg_restore -l line ${JSON.stringify(line)}`)
    const rest = m[4]!
    const type = BY_LENGTH.find((t) => rest.startsWith(`${t} `))
    if (!type) throw new Error(`unable to read pg_restore -l line ${JSON.stringify(line)}: unknown entry type`)
    // schema (never holds a space in the dumps read here, `-` for none), then name and owner
    const afterType = rest.slice(type.length + 1)
    const schemaEnd = afterType.indexOf(' ')
    if (schemaEnd < 0) throw new Error(`unable to read pg_restore -l line ${JSON.stringify(line)}: no name`)
    const schema = afterType.slice(0, schemaEnd)
    const nameAndOwner = afterType.slice(schemaEnd + 1)
    // the owner is the last word (empty for entries without one: the line then ends in a space)
    const ownerStart = nameAndOwner.lastIndexOf(' ')
    if (ownerStart < 0) throw new Error(`unable to read pg_restore -l line ${JSON.stringify(line)}: no owner field`)
    const owner = nameAndOwner.slice(ownerStart + 1)
    entries.push({
      dumpId: Number(m[1]),
      type,
      schema: schema === '-' ? null : schema,
      name: nameAndOwner.slice(0, ownerStart),
      owner: owner === '' ? null : owner,
    })
  }
  return entries
}

/** Entries an archive holds that a plain dump made without --create prints no entry for. */
export function isArchiveOnly(entry: { type: string; name: string }): boolean {
  if (['ENCODING', 'STDSTRINGS', 'SEARCHPATH', 'DATABASE', 'DATABASE PROPERTIES'].includes(entry.type)) return true
  // the database's own comment, security label and ACL go with DATABASE (printed with --create only)
  return ['COMMENT', 'SECURITY LABEL', 'ACL'].includes(entry.type) && entry.name.startsWith('DATABASE ')
}

/**
 * pg_restore's restore pass of an entry (pg_backup_archiver.c _tocEntryRestorePass): ACLs after
 * everything else, then event triggers and materialized view data (with their comments).
 */
export function restorePass(entry: { type: string; name: string }): number {
  if (['ACL', 'ACL LANGUAGE', 'DEFAULT ACL'].includes(entry.type)) return 1
  if (['EVENT TRIGGER', 'MATERIALIZED VIEW DATA'].includes(entry.type)) return 2
  if (entry.type === 'COMMENT' && entry.name.startsWith('EVENT TRIGGER ')) return 2
  return 0
}

/** The entries in the order pg_restore applies them: by restore pass, the archive's order within a pass. */
export function inRestoreOrder<T extends { type: string; name: string }>(entries: readonly T[]): T[] {
  return entries.map((e, i) => ({ e, i, pass: restorePass(e) })).sort((a, b) => a.pass - b.pass || a.i - b.i).map((x) => x.e)
}
