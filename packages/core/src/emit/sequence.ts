// CREATE SEQUENCE (or, for identity sequences, ALTER TABLE … ADD GENERATED … AS IDENTITY), the
// separate OWNED BY entry, and the SEQUENCE SET data entry (dumpSequence, dumpSequenceData).
import { Component, has } from '../model/components'
import type { TableDataObject, TableObject } from '../model/objects'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral, quoteQualified } from './quote'
import type { TocEntry } from './toc-entry'

const LIMITS = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
} as const

export function emitSequence(ctx: EmitContext, seq: TableObject): TocEntry[] {
  const info = seq.sequence
  if (!info) return []
  const schema = seq.namespace!.name
  const qual = quoteQualified(schema, seq.name)
  const ascending = info.increment >= 0n
  const [typeMin, typeMax] = LIMITS[info.type]
  const defaultMin = ascending ? 1n : typeMin
  const defaultMax = ascending ? typeMax : -1n
  let q: string
  const owner = seq.isIdentitySequence ? ctx.tables.get(seq.owningTab) : undefined
  if (seq.isIdentitySequence && owner) {
    const col = owner.columns[seq.owningCol - 1]!
    q = `ALTER TABLE ${quoteQualified(owner.namespace!.name, owner.name)} ALTER COLUMN ${quoteIdent(col.name)} ADD GENERATED `
    q += col.identity === 'a' ? 'ALWAYS' : col.identity === 'd' ? 'BY DEFAULT' : ''
    q += ` AS IDENTITY (\n    SEQUENCE NAME ${qual}\n`
    if (seq.persistence !== owner.persistence) q += `    ${seq.persistence === 'u' ? 'UNLOGGED' : 'LOGGED'}\n`
  } else {
    q = `CREATE ${seq.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${qual}\n`
    if (info.type !== 'bigint') q += `    AS ${info.type}\n`
  }
  q += `    START WITH ${info.start}\n    INCREMENT BY ${info.increment}\n`
  q += info.min !== defaultMin ? `    MINVALUE ${info.min}\n` : '    NO MINVALUE\n'
  q += info.max !== defaultMax ? `    MAXVALUE ${info.max}\n` : '    NO MAXVALUE\n'
  q += `    CACHE ${info.cache}${info.cycled ? '\n    CYCLE' : ''}`
  q += seq.isIdentitySequence ? '\n);\n' : ';\n'

  const out: TocEntry[] = [{
    section: 'PRE_DATA', tag: seq.name, desc: 'SEQUENCE', namespace: schema, owner: seq.owner, defn: q,
    ...(seq.isIdentitySequence ? {} : { drop: `DROP SEQUENCE ${qual};\n` }),
    dumpId: seq.dumpId,
  }]
  if (seq.owningTab && !seq.isIdentitySequence) {
    const table = ctx.tables.get(seq.owningTab)
    if (table && has(table.dump, Component.DEFINITION)) {
      const col = table.columns[seq.owningCol - 1]
      if (col) {
        out.push({
          section: 'PRE_DATA', tag: seq.name, desc: 'SEQUENCE OWNED BY', namespace: schema, owner: seq.owner,
          defn: `ALTER SEQUENCE ${qual} OWNED BY ${quoteQualified(table.namespace!.name, table.name)}.${quoteIdent(col.name)};\n`,
        })
      }
    }
  }
  if (has(seq.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'SEQUENCE', name: quoteIdent(seq.name), schema, owner: seq.owner, catId: seq.catId }))
  if (has(seq.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'SEQUENCE', name: quoteIdent(seq.name), schema, owner: seq.owner, catId: seq.catId }))
  return out
}

export function emitSequenceSet(ctx: EmitContext, data: TableDataObject): TocEntry[] {
  const seq = data.table
  const info = seq.sequence
  if (!info || info.lastValue === null || !has(data.dump, Component.DATA)) return []
  const schema = seq.namespace!.name
  const name = quoteLiteral(quoteQualified(schema, seq.name), ctx.standardConformingStrings)
  return [{
    section: 'DATA', tag: seq.name, desc: 'SEQUENCE SET', namespace: schema, owner: seq.owner,
    defn: `SELECT pg_catalog.setval(${name}, ${info.lastValue}, ${info.isCalled ? 'true' : 'false'});\n`,
    sequenceValue: { value: String(info.lastValue), isCalled: info.isCalled },
    dumpId: data.dumpId,
  }]
}
