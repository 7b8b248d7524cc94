// CREATE TYPE for enums, ranges, composites, base and shell types, and CREATE DOMAIN (dumpEnumType,
// dumpRangeType, dumpCompositeType, dumpBaseType, dumpUndefinedType, dumpDomain, dumpShellType).
import { Component, has } from '../model/components'
import type { BaseTypeDetails, QualifiedName, ShellTypeObject, TypeObject } from '../model/objects'
import { aclEntries } from './acl'
import { commentEntries, commentEntry, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral, quoteQualified } from './quote'
import type { TocEntry } from './toc-entry'

const qualified = (n: QualifiedName) => quoteQualified(n.schema, n.name)

export function emitType(ctx: EmitContext, type: TypeObject): TocEntry[] {
  if (!ctx.dumpSchema || !type.details) return []
  const schema = type.namespace!.name
  const qname = quoteIdent(type.name)
  const qual = quoteQualified(schema, type.name)
  const details = type.details
  let defn: string
  let desc = 'TYPE'
  let drop = `DROP TYPE ${qual};\n`
  switch (details.typtype) {
    case 'e':
      defn = `CREATE TYPE ${qual} AS ENUM (${details.labels.map((l) => `\n    ${quoteLiteral(l, ctx.standardConformingStrings)}`).join(',')}\n);\n`
      break
    case 'r': {
      defn = `CREATE TYPE ${qual} AS RANGE (\n    subtype = ${details.subtype}`
      if (details.multirangeType) defn += `,\n    multirange_type_name = ${details.multirangeType}`
      if (details.opclass) defn += `,\n    subtype_opclass = ${qualified(details.opclass)}`
      if (details.collation) defn += `,\n    collation = ${qualified(details.collation)}`
      if (details.canonical) defn += `,\n    canonical = ${details.canonical}`
      if (details.subtypeDiff) defn += `,\n    subtype_diff = ${details.subtypeDiff}`
      defn += '\n);\n'
      break
    }
    case 'b':
      defn = baseTypeDefinition(ctx, qual, details.base)
      drop = `DROP TYPE ${qual} CASCADE;\n`
      break
    case 'p':
      defn = `CREATE TYPE ${qual};\n`
      break
    case 'c':
      defn = `CREATE TYPE ${qual} AS (${details.attributes.map((a) => `\n\t${quoteIdent(a.name)} ${a.type}${a.collation ? ` COLLATE ${qualified(a.collation)}` : ''}`).join(',')}\n);\n`
      break
    case 'd': {
      desc = 'DOMAIN'
      drop = `DROP DOMAIN ${qual};\n`
      defn = `CREATE DOMAIN ${qual} AS ${details.baseType}`
      if (details.collation) defn += ` COLLATE ${qualified(details.collation)}`
      if (details.notNull) defn += details.notNullName ? ` CONSTRAINT ${quoteIdent(details.notNullName)} NOT NULL` : ' NOT NULL'
      if (details.default !== null) defn += ` DEFAULT ${details.defaultIsLiteral ? quoteLiteral(details.default, ctx.standardConformingStrings) : details.default}`
      for (const check of type.domainChecks) {
        if (!check.separate) defn += `\n\tCONSTRAINT ${quoteIdent(check.name)} ${check.condef}`
      }
      defn += ';\n'
      break
    }
  }
  const out: TocEntry[] = []
  if (has(type.dump, Component.DEFINITION)) {
    out.push({ section: 'PRE_DATA', tag: type.name, desc, namespace: schema, owner: type.owner, defn, drop })
  }
  const commentType = desc === 'DOMAIN' ? 'DOMAIN' : 'TYPE'
  if (has(type.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: commentType, name: qname, schema, owner: type.owner, catId: type.catId }))
  if (has(type.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: commentType, name: qname, schema, owner: type.owner, catId: type.catId }))
  if (has(type.dump, Component.ACL)) out.push(...aclEntries(ctx, { type: 'TYPE', name: qname, schema, owner: type.owner }, type.dacl))
  if (details.typtype === 'd') {
    // A separately dumped (NOT VALID) check gets its comment after its ALTER DOMAIN … ADD CONSTRAINT.
    for (const check of type.domainChecks) {
      if (check.separate || !has(check.dump & check.components, Component.COMMENT)) continue
      out.push(...commentEntries(ctx, { type: `CONSTRAINT ${quoteIdent(check.name)} ON DOMAIN`, name: qname, schema, owner: type.owner, catId: check.catId }))
    }
  }
  if (details.typtype === 'c' && has(type.dump, Component.COMMENT) && !ctx.noComments) {
    // Column comments of a composite type hang off its pg_class row.
    const table = ctx.tables.get(type.typrelid)
    if (table) {
      const comments = commentsOf(ctx, table.catId)
      for (const c of comments) {
        const attr = details.attributes.find((a) => a.attnum === c.subid)
        if (c.subid === 0 || !attr) continue
        const target = `${qname}.${quoteIdent(attr.name)}`
        out.push(commentEntry(ctx, 'COLUMN', schema, target, c.text, type.owner))
      }
    }
  }
  return out
}

const ALIGNMENT: Record<string, string> = { c: 'char', s: 'int2', i: 'int4', d: 'double' }
const STORAGE: Record<string, string> = { p: 'plain', e: 'external', x: 'extended', m: 'main' }

function baseTypeDefinition(ctx: EmitContext, qual: string, b: BaseTypeDetails): string {
  const lit = (text: string) => quoteLiteral(text, ctx.standardConformingStrings)
  let q = `CREATE TYPE ${qual} (\n    INTERNALLENGTH = ${b.length}`
  q += `,\n    INPUT = ${b.input}`
  q += `,\n    OUTPUT = ${b.output}`
  if (b.receive) q += `,\n    RECEIVE = ${b.receive}`
  if (b.send) q += `,\n    SEND = ${b.send}`
  if (b.typmodIn) q += `,\n    TYPMOD_IN = ${b.typmodIn}`
  if (b.typmodOut) q += `,\n    TYPMOD_OUT = ${b.typmodOut}`
  if (b.analyze) q += `,\n    ANALYZE = ${b.analyze}`
  if (b.collatable) q += ',\n    COLLATABLE = true'
  if (b.default !== null) q += `,\n    DEFAULT = ${b.defaultIsLiteral ? lit(b.default) : b.default}`
  if (b.subscript) q += `,\n    SUBSCRIPT = ${b.subscript}`
  if (b.element) q += `,\n    ELEMENT = ${b.element}`
  if (b.category !== 'U') q += `,\n    CATEGORY = ${lit(b.category)}`
  if (b.preferred) q += ',\n    PREFERRED = true'
  if (b.delimiter !== ',') q += `,\n    DELIMITER = ${lit(b.delimiter)}`
  if (ALIGNMENT[b.align]) q += `,\n    ALIGNMENT = ${ALIGNMENT[b.align]}`
  if (STORAGE[b.storage]) q += `,\n    STORAGE = ${STORAGE[b.storage]}`
  if (b.byValue) q += ',\n    PASSEDBYVALUE'
  return `${q}\n);\n`
}

function commentsOf(ctx: EmitContext, catId: { tableoid: number; oid: number }) {
  return ctx.comments.get(`${catId.tableoid}:${catId.oid}`) ?? []
}

export function emitShellType(ctx: EmitContext, shell: ShellTypeObject): TocEntry[] {
  if (!ctx.dumpSchema || !has(shell.dump, Component.DEFINITION)) return []
  const schema = shell.namespace!.name
  // No DROP: the base type's entry drops it; no ALTER OWNER until it is filled in.
  return [{ section: 'PRE_DATA', tag: shell.name, desc: 'SHELL TYPE', namespace: schema, owner: shell.baseType.owner, defn: `CREATE TYPE ${quoteQualified(schema, shell.name)};\n` }]
}
