// CREATE TYPE for enums, ranges, composites and shell types, and CREATE DOMAIN (dumpEnumType,
// dumpRangeType, dumpCompositeType, dumpDomain, dumpShellType).
import { Component, has } from '../model/components'
import type { QualifiedName, ShellTypeObject, TypeObject } from '../model/objects'
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
  if (details.typtype === 'd' && has(type.dump, Component.COMMENT)) {
    for (const check of type.domainChecks) {
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

function commentsOf(ctx: EmitContext, catId: { tableoid: number; oid: number }) {
  return ctx.comments.get(`${catId.tableoid}:${catId.oid}`) ?? []
}

export function emitShellType(ctx: EmitContext, shell: ShellTypeObject): TocEntry[] {
  if (!ctx.dumpSchema || !has(shell.dump, Component.DEFINITION)) return []
  const schema = shell.namespace!.name
  // No DROP: the base type's entry drops it; no ALTER OWNER until it is filled in.
  return [{ section: 'PRE_DATA', tag: shell.name, desc: 'SHELL TYPE', namespace: schema, owner: shell.baseType.owner, defn: `CREATE TYPE ${quoteQualified(schema, shell.name)};\n` }]
}
