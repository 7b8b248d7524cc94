// CREATE OPERATOR FAMILY (+ ALTER … ADD for loose members) and CREATE OPERATOR CLASS
// (dumpOpfamily, dumpOpclass).
import type { OpclassInfo, OpclassMembers } from '../catalog/opclass-details'
import { Component, has } from '../model/components'
import type { SimpleOwnedObject } from '../model/objects'
import { commentEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteQualified } from './quote'
import type { TocEntry } from './toc-entry'

export function emitOpfamily(ctx: EmitContext, family: SimpleOwnedObject): TocEntry[] {
  const details = family.info.details as (OpclassMembers & { accessMethod: string }) | undefined
  if (!ctx.dumpSchema || !details) return []
  const schema = family.namespace!.name
  const qual = quoteQualified(schema, family.name)
  const using = `USING ${quoteIdent(details.accessMethod)}`
  let q = `CREATE OPERATOR FAMILY ${qual} ${using};\n`
  const items = memberItems(details)
  if (items.length > 0) q += `ALTER OPERATOR FAMILY ${qual} ${using} ADD\n    ${items.join(' ,\n    ')};\n`
  return withComment(ctx, family, 'OPERATOR FAMILY', using, q)
}

export function emitOpclass(ctx: EmitContext, opclass: SimpleOwnedObject): TocEntry[] {
  const details = opclass.info.details as OpclassInfo | undefined
  if (!ctx.dumpSchema || !details) return []
  const qual = quoteQualified(opclass.namespace!.name, opclass.name)
  const using = `USING ${quoteIdent(details.accessMethod)}`
  let q = `CREATE OPERATOR CLASS ${qual}\n    ${details.isDefault ? 'DEFAULT ' : ''}FOR TYPE ${details.inputType} ${using}`
  if (details.family) q += ` FAMILY ${quoteQualified(details.family.schema, details.family.name)}`
  q += ' AS\n    '
  const items = details.keyType ? [`STORAGE ${details.keyType}`] : []
  items.push(...memberItems(details))
  // A class without members still needs something after AS; a STORAGE of its own type is a no-op.
  if (items.length === 0) items.push(`STORAGE ${details.inputType}`)
  q += `${items.join(' ,\n    ')};\n`
  return withComment(ctx, opclass, 'OPERATOR CLASS', using, q)
}

function memberItems(m: OpclassMembers): string[] {
  const items = m.operators.map((op) =>
    `OPERATOR ${op.strategy} ${op.operator}${op.sortFamily ? ` FOR ORDER BY ${quoteQualified(op.sortFamily.schema, op.sortFamily.name)}` : ''}`)
  for (const fn of m.functions) items.push(`FUNCTION ${fn.number} (${fn.left}, ${fn.right}) ${fn.function}`)
  return items
}

function withComment(ctx: EmitContext, object: SimpleOwnedObject, desc: 'OPERATOR CLASS' | 'OPERATOR FAMILY', using: string, defn: string): TocEntry[] {
  const schema = object.namespace!.name
  const qual = quoteQualified(schema, object.name)
  const out: TocEntry[] = []
  if (has(object.dump, Component.DEFINITION)) {
    out.push({ section: 'PRE_DATA', tag: object.name, desc, namespace: schema, owner: object.owner, defn, drop: `DROP ${desc} ${qual} ${using};\n` })
  }
  if (has(object.dump, Component.COMMENT)) {
    out.push(...commentEntries(ctx, { type: desc, name: `${quoteIdent(object.name)} ${using}`, schema, owner: object.owner, catId: object.catId }))
  }
  return out
}
