// What a comparison needs to know of one dump, read from its script: a fingerprint (sha256 of the
// statements) of every schema entry, and, when the dump's data are read too, each table's row count and
// the sha256 of its COPY text (the same figures a manifest records, so a file and a stored backup
// compare alike). Row data is hashed as it streams, never held.
import { createHash } from 'node:crypto'
import { splitScript } from '../restore/split-script'
import type { EntryHeader } from '../restore/script-item'

/** One schema entry as pg_dump names it in its `-- Name: …; Type: …; Schema: …` header. */
export interface EntryRef {
  type: string
  schema: string | null
  name: string
}

export interface EntryFact extends EntryRef {
  /** sha256 of the entry's statements, in order. */
  sha256: string
}

export interface TableFact {
  schema: string
  name: string
  rows: number
  /** sha256 of the COPY text. */
  sha256: string
}

export interface DumpFacts {
  /** By entryKey(). */
  entries: Map<string, EntryFact>
  /** Present when the data were read. */
  tables?: TableFact[]
  /** The values the script's setval() calls set. */
  sequences: SequenceFact[]
}

export interface SequenceFact {
  schema: string
  name: string
  value: string
  isCalled: boolean
}

const SETVAL = /^SELECT pg_catalog\.setval\('(?:[^']|'')+', (-?\d+), (true|false)\);$/

/** Data-only entries: compared through the tables and sequences, not as definitions. */
const DATA_TYPES = new Set(['TABLE DATA', 'SEQUENCE SET', 'BLOBS', 'LARGE OBJECTS', 'STATISTICS DATA'])

export function entryKey(ref: EntryRef): string {
  return `${ref.type}\u0000${ref.schema ?? ''}\u0000${ref.name}`
}

/** Reads a script's entries (and with `withData`, its tables' rows and content hashes). */
export async function readDumpFacts(script: AsyncIterable<Buffer>, withData: boolean): Promise<DumpFacts> {
  const entries = new Map<string, EntryFact>()
  const tables: TableFact[] = []
  const sequences: SequenceFact[] = []
  let current: { header: EntryHeader; key: string; hash: ReturnType<typeof createHash> } | null = null
  const close = () => {
    if (current) entries.set(current.key, { ...refOf(current.header), sha256: current.hash.digest('hex') })
    current = null
  }
  for await (const item of splitScript(script)) {
    if (item.kind === 'meta') continue
    const header = item.entry
    if (item.kind === 'copy') {
      if (withData && header?.type === 'TABLE DATA') tables.push(await hashCopy(header, item.data))
      continue
    }
    if (header?.type === 'SEQUENCE SET') {
      const set = SETVAL.exec(item.sql)
      if (set) sequences.push({ schema: header.schema ?? '', name: header.name, value: set[1]!, isCalled: set[2] === 'true' })
      continue
    }
    if (!header || header.isData || header.isStatistics || DATA_TYPES.has(header.type)) continue
    if (!current || current.header !== header) {
      close()
      // one header can stand for a name seen before (pg_dump repeats none, but be exact): the later wins
      current = { header, key: entryKey(refOf(header)), hash: createHash('sha256') }
    }
    current.hash.update(item.sql).update('\n')
  }
  close()
  return withData ? { entries, tables, sequences } : { entries, sequences }
}

// --- internal ---

function refOf(header: EntryHeader): EntryRef {
  return { type: header.type, schema: header.schema, name: header.name }
}

async function hashCopy(header: EntryHeader, data: AsyncIterable<Buffer>): Promise<TableFact> {
  const hash = createHash('sha256')
  let rows = 0
  for await (const chunk of data) {
    hash.update(chunk)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++
  }
  return { schema: header.schema ?? '', name: header.name, rows, sha256: hash.digest('hex') }
}
