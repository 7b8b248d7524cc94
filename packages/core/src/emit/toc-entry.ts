// A TOC entry: one block of the script with its `-- Name: …; Type: …` header, as pg_dump's archiver
// prints them. Emitters build entries; the script writer prints them in three passes.
export type Section = 'PRE_DATA' | 'DATA' | 'POST_DATA' | 'NONE'
export type Pass = 'MAIN' | 'ACL' | 'POST_ACL'

export interface TocEntry {
  section: Section
  /** `Name:` in the header. */
  tag: string
  /** `Type:` in the header (TABLE, INDEX, COMMENT, ACL, …). */
  desc: string
  namespace: string | null
  owner: string | null
  /** Tablespace for `SET default_tablespace`; null when the object has none. */
  tablespace?: string | null
  /** Table access method for `SET default_table_access_method`. */
  tableAm?: string | null
  relkind?: string
  defn: string
  /** The DROP statement for --clean; also marks the entry as having an owner to set. */
  drop?: string
  /** An earlier DROP … CASCADE of the clean section removes the object: its own DROP is written only with IF EXISTS. */
  droppedByCascade?: boolean
  /** Object description for `ALTER … OWNER TO`, when it differs from desc + name. */
  ownerTarget?: string
  /** `COPY … FROM stdin;` header of a data entry. */
  copyStmt?: string
  /** Streams the entry's data into the script. */
  data?: DataSource
  /** Large-object metadata: the OIDs the definition expands to (pg_dump 17+ grouping). */
  largeObjects?: { oids: number[]; aclPerObject?: boolean }
  /** The object this entry belongs to, for progress and manifests. */
  dumpId?: number
  /** SEQUENCE SET entries: the value they set (for the summary and manifests). */
  sequenceValue?: { value: string; isCalled: boolean }
}

export type DataSource =
  | { kind: 'copy'; schema: string; table: string; columns: string; filter: string | null; foreign: boolean; estimatedBytes: number }
  | { kind: 'large-objects'; oids: number[] }

export function passOf(entry: TocEntry): Pass {
  if (entry.desc === 'ACL' || entry.desc === 'DEFAULT ACL') return 'ACL'
  if (entry.desc === 'EVENT TRIGGER' || entry.desc === 'MATERIALIZED VIEW DATA') return 'POST_ACL'
  // A comment goes in its parent's pass.
  if (entry.desc === 'COMMENT' && entry.tag.startsWith('EVENT TRIGGER ')) return 'POST_ACL'
  return 'MAIN'
}
