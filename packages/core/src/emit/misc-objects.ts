// Operators, collations, conversions, transforms, text search objects, foreign-data wrappers and
// servers with their user mappings, event triggers, publications and default privileges.
import { Component, has } from '../model/components'
import type { DefaultAclObject, ForeignObject, OperatorObject, PublicationRelObject, SimpleOwnedObject } from '../model/objects'
import { aclEntries, buildAclCommands } from './acl'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral, quoteQualified } from './quote'
import type { TocEntry } from './toc-entry'

/** Strips the argument list from a regprocedure display (convertRegProcReference). */
function procName(regprocedure: string): string | null {
  if (regprocedure === '-') return null
  let quoted = false
  for (let i = 0; i < regprocedure.length; i++) {
    if (regprocedure[i] === '"') quoted = !quoted
    if (regprocedure[i] === '(' && !quoted) return regprocedure.slice(0, i)
  }
  return regprocedure
}

function operatorRef(ctx: EmitContext, oid: number): string | null {
  if (!oid) return null
  const op = ctx.operators.get(oid)
  return op ? `OPERATOR(${quoteIdent(op.namespace!.name)}.${op.name})` : null
}

export function emitOperator(ctx: EmitContext, op: OperatorObject): TocEntry[] {
  const d = op.details
  if (!ctx.dumpSchema || !d || op.oprcode === 0) return []
  const schema = op.namespace!.name
  const parts: string[] = []
  const fn = procName(d.code)
  if (fn) parts.push(`    FUNCTION = ${fn}`)
  let oprid = `${op.name} (`
  if (op.oprkind === 'r' || op.oprkind === 'b') {
    parts.push(`    LEFTARG = ${d.left}`)
    oprid += d.left
  } else oprid += 'NONE'
  if (op.oprkind === 'l' || op.oprkind === 'b') {
    parts.push(`    RIGHTARG = ${d.right}`)
    oprid += `, ${d.right})`
  } else oprid += ', NONE)'
  const com = operatorRef(ctx, d.com)
  if (com) parts.push(`    COMMUTATOR = ${com}`)
  const neg = operatorRef(ctx, d.negate)
  if (neg) parts.push(`    NEGATOR = ${neg}`)
  if (d.canMerge) parts.push('    MERGES')
  if (d.canHash) parts.push('    HASHES')
  const rest = procName(d.rest)
  if (rest) parts.push(`    RESTRICT = ${rest}`)
  const join = procName(d.join)
  if (join) parts.push(`    JOIN = ${join}`)
  const out: TocEntry[] = []
  if (has(op.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: op.name, desc: 'OPERATOR', namespace: schema, owner: op.owner,
      defn: `CREATE OPERATOR ${quoteIdent(schema)}.${op.name} (\n${parts.join(',\n')}\n);\n`,
      drop: `DROP OPERATOR ${quoteIdent(schema)}.${oprid};\n`,
    })
  }
  if (has(op.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'OPERATOR', name: oprid, schema, owner: op.owner, catId: op.catId }))
  return out
}

export function emitCollation(ctx: EmitContext, coll: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema || coll.info.provider === undefined) return []
  const lit = (s: unknown) => quoteLiteral(String(s ?? ''), ctx.standardConformingStrings)
  const schema = coll.namespace!.name
  const qual = quoteQualified(schema, coll.name)
  const i = coll.info
  const provider = { b: 'builtin', c: 'libc', i: 'icu', d: 'default' }[i.provider as 'b'] ?? 'libc'
  let q = `CREATE COLLATION ${qual} (provider = ${provider}`
  if (i.deterministic === false) q += ', deterministic = false'
  if (i.provider === 'b') q += `, locale = ${lit(i.locale)}`
  else if (i.provider === 'i') {
    q += `, locale = ${lit(ctx.serverMajor >= 15 ? i.locale : i.collate)}`
    if (i.rules !== null && i.rules !== undefined) q += `, rules = ${lit(i.rules)}`
  } else if (i.provider === 'c') {
    if (i.collate !== null && i.collate === i.ctype) q += `, locale = ${lit(i.collate)}`
    else q += `, lc_collate = ${lit(i.collate)}, lc_ctype = ${lit(i.ctype)}`
  }
  q += ');\n'
  const out: TocEntry[] = []
  if (has(coll.dump, Component.DEFINITION)) out.push({ section: 'PRE_DATA', tag: coll.name, desc: 'COLLATION', namespace: schema, owner: coll.owner, defn: q, drop: `DROP COLLATION ${qual};\n` })
  if (has(coll.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'COLLATION', name: quoteIdent(coll.name), schema, owner: coll.owner, catId: coll.catId }))
  return out
}

export function emitConversion(ctx: EmitContext, conv: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema || conv.info.proc === undefined) return []
  const schema = conv.namespace!.name
  const qual = quoteQualified(schema, conv.name)
  const lit = (s: unknown) => quoteLiteral(String(s), ctx.standardConformingStrings)
  const out: TocEntry[] = []
  if (has(conv.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: conv.name, desc: 'CONVERSION', namespace: schema, owner: conv.owner,
      defn: `CREATE ${conv.info.isDefault ? 'DEFAULT ' : ''}CONVERSION ${qual} FOR ${lit(conv.info.forEncoding)} TO ${lit(conv.info.toEncoding)} FROM ${conv.info.proc};\n`,
      drop: `DROP CONVERSION ${qual};\n`,
    })
  }
  if (has(conv.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'CONVERSION', name: quoteIdent(conv.name), schema, owner: conv.owner, catId: conv.catId }))
  return out
}

export function emitTransform(ctx: EmitContext, trf: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const type = ctx.typeName(Number(trf.info.type)) ?? 'NONE'
  const lang = quoteIdent(String(trf.info.lanname))
  const fn = (oid: number) => {
    const f = ctx.functions.get(oid)
    return f ? `FUNCTION ${quoteIdent(f.namespace!.name)}.${quoteIdent(f.name)}(${f.argtypes.map((t) => ctx.typeName(t)).join(', ')})` : null
  }
  const from = fn(Number(trf.info.fromSql))
  const to = fn(Number(trf.info.toSql))
  const parts = [from ? `FROM SQL WITH ${from}` : null, to ? `TO SQL WITH ${to}` : null].filter(Boolean)
  const out: TocEntry[] = []
  if (has(trf.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: `TRANSFORM FOR ${type} LANGUAGE ${lang}`, desc: 'TRANSFORM', namespace: null, owner: null,
      defn: `CREATE TRANSFORM FOR ${type} LANGUAGE ${lang} (${parts.join(', ')});\n`,
      drop: `DROP TRANSFORM FOR ${type} LANGUAGE ${lang};\n`,
    })
  }
  if (has(trf.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'TRANSFORM', name: `FOR ${type} LANGUAGE ${lang}`, schema: null, owner: '', catId: trf.catId }))
  return out
}

export function emitTextSearch(ctx: EmitContext, obj: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const schema = obj.namespace!.name
  const qual = quoteQualified(schema, obj.name)
  const i = obj.info
  let desc: string
  let defn: string
  switch (obj.kind) {
    case 'TSPARSER':
      desc = 'TEXT SEARCH PARSER'
      defn = `CREATE TEXT SEARCH PARSER ${qual} (\n    START = ${i.start},\n    GETTOKEN = ${i.token},\n    END = ${i.end},\n`
      if (i.headline !== '-') defn += `    HEADLINE = ${i.headline},\n`
      defn += `    LEXTYPES = ${i.lextype} );\n`
      break
    case 'TSTEMPLATE':
      desc = 'TEXT SEARCH TEMPLATE'
      defn = `CREATE TEXT SEARCH TEMPLATE ${qual} (\n${i.init !== '-' ? `    INIT = ${i.init},\n` : ''}    LEXIZE = ${i.lexize} );\n`
      break
    case 'TSDICT':
      desc = 'TEXT SEARCH DICTIONARY'
      defn = `CREATE TEXT SEARCH DICTIONARY ${qual} (\n    TEMPLATE = ${quoteIdent(String(i.templateSchema))}.${quoteIdent(String(i.template))}`
      if (i.initOption !== null && i.initOption !== undefined) defn += `,\n    ${i.initOption}`
      defn += ' );\n'
      break
    default: {
      desc = 'TEXT SEARCH CONFIGURATION'
      defn = `CREATE TEXT SEARCH CONFIGURATION ${qual} (\n    PARSER = ${quoteIdent(String(i.parserSchema))}.${quoteIdent(String(i.parserName))} );\n`
      const mappings = (i.mappings as { token: string; dict: string }[] | undefined) ?? []
      mappings.forEach((m, n) => {
        if (n === 0 || mappings[n - 1]!.token !== m.token) {
          if (n > 0) defn += ';\n'
          defn += `\nALTER TEXT SEARCH CONFIGURATION ${qual}\n    ADD MAPPING FOR ${quoteIdent(m.token)} WITH ${m.dict}`
        } else defn += `, ${m.dict}`
      })
      if (mappings.length > 0) defn += ';\n'
    }
  }
  const ownerless = obj.kind === 'TSPARSER' || obj.kind === 'TSTEMPLATE'
  const out: TocEntry[] = []
  if (has(obj.dump, Component.DEFINITION)) {
    out.push({ section: 'PRE_DATA', tag: obj.name, desc, namespace: schema, owner: ownerless ? null : obj.owner, defn, drop: `DROP ${desc} ${qual};\n` })
  }
  if (has(obj.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: desc, name: quoteIdent(obj.name), schema, owner: ownerless ? '' : obj.owner, catId: obj.catId }))
  return out
}

export function emitForeignDataWrapper(ctx: EmitContext, fdw: ForeignObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(fdw.name)
  let defn = `CREATE FOREIGN DATA WRAPPER ${q}`
  if (fdw.info.handler !== '-') defn += ` HANDLER ${fdw.info.handler}`
  if (fdw.info.validator !== '-') defn += ` VALIDATOR ${fdw.info.validator}`
  if (fdw.info.options) defn += ` OPTIONS (\n    ${fdw.info.options}\n)`
  defn += ';\n'
  const out: TocEntry[] = []
  if (has(fdw.dump, Component.DEFINITION)) out.push({ section: 'PRE_DATA', tag: fdw.name, desc: 'FOREIGN DATA WRAPPER', namespace: null, owner: fdw.owner, defn, drop: `DROP FOREIGN DATA WRAPPER ${q};\n` })
  if (has(fdw.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'FOREIGN DATA WRAPPER', name: q, schema: null, owner: fdw.owner, catId: fdw.catId }))
  if (has(fdw.dump, Component.ACL)) out.push(...aclEntries(ctx, { type: 'FOREIGN DATA WRAPPER', name: q, schema: null, owner: fdw.owner }, fdw.dacl))
  return out
}

export function emitForeignServer(ctx: EmitContext, srv: ForeignObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const lit = (s: unknown) => quoteLiteral(String(s), ctx.standardConformingStrings)
  const q = quoteIdent(srv.name)
  let defn = `CREATE SERVER ${q}`
  if (srv.info.type) defn += ` TYPE ${lit(srv.info.type)}`
  if (srv.info.version) defn += ` VERSION ${lit(srv.info.version)}`
  defn += ` FOREIGN DATA WRAPPER ${quoteIdent(String(srv.info.fdwName))}`
  if (srv.info.options) defn += ` OPTIONS (\n    ${srv.info.options}\n)`
  defn += ';\n'
  const out: TocEntry[] = []
  if (has(srv.dump, Component.DEFINITION)) out.push({ section: 'PRE_DATA', tag: srv.name, desc: 'SERVER', namespace: null, owner: srv.owner, defn, drop: `DROP SERVER ${q};\n` })
  if (has(srv.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'SERVER', name: q, schema: null, owner: srv.owner, catId: srv.catId }))
  if (has(srv.dump, Component.ACL)) out.push(...aclEntries(ctx, { type: 'FOREIGN SERVER', name: q, schema: null, owner: srv.owner }, srv.dacl))
  if (has(srv.dump, Component.USERMAP)) {
    for (const m of srv.info.userMappings as { user: string; options: string }[]) {
      out.push({
        section: 'PRE_DATA', tag: `USER MAPPING ${m.user} SERVER ${srv.name}`, desc: 'USER MAPPING', namespace: null, owner: srv.owner,
        defn: `CREATE USER MAPPING FOR ${quoteIdent(m.user)} SERVER ${q}${m.options ? ` OPTIONS (\n    ${m.options}\n)` : ''};\n`,
        drop: `DROP USER MAPPING FOR ${quoteIdent(m.user)} SERVER ${q};\n`,
      })
    }
  }
  return out
}

export function emitEventTrigger(ctx: EmitContext, evt: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(evt.name)
  let defn = `CREATE EVENT TRIGGER ${q} ON ${quoteIdent(String(evt.info.event))}`
  if (evt.info.tags) defn += `\n         WHEN TAG IN (${evt.info.tags})`
  defn += `\n   EXECUTE FUNCTION ${evt.info.func}();\n`
  if (evt.info.enabled !== 'O') {
    const how = { D: 'DISABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA' }[evt.info.enabled as 'D'] ?? 'ENABLE'
    defn += `\nALTER EVENT TRIGGER ${q} ${how};\n`
  }
  const out: TocEntry[] = []
  if (has(evt.dump, Component.DEFINITION)) out.push({ section: 'POST_DATA', tag: evt.name, desc: 'EVENT TRIGGER', namespace: null, owner: evt.owner, defn, drop: `DROP EVENT TRIGGER ${q};\n` })
  if (has(evt.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'EVENT TRIGGER', name: q, schema: null, owner: evt.owner, catId: evt.catId }))
  return out
}

export function emitPublication(ctx: EmitContext, pub: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(pub.name)
  const i = pub.info
  const publish = [i.insert && 'insert', i.update && 'update', i.delete && 'delete', i.truncate && 'truncate'].filter(Boolean).join(', ')
  let defn = `CREATE PUBLICATION ${q}${i.allTables ? ' FOR ALL TABLES' : ''} WITH (publish = '${publish}'`
  if (i.viaRoot) defn += ', publish_via_partition_root = true'
  if (i.genCols === 's') defn += ', publish_generated_columns = stored'
  defn += ');\n'
  const out: TocEntry[] = []
  if (has(pub.dump, Component.DEFINITION)) out.push({ section: 'POST_DATA', tag: pub.name, desc: 'PUBLICATION', namespace: null, owner: pub.owner, defn, drop: `DROP PUBLICATION ${q};\n` })
  if (has(pub.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'PUBLICATION', name: q, schema: null, owner: pub.owner, catId: pub.catId }))
  if (has(pub.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'PUBLICATION', name: q, schema: null, owner: pub.owner, catId: pub.catId }))
  return out
}

export function emitPublicationMember(ctx: EmitContext, member: PublicationRelObject): TocEntry[] {
  if (!ctx.dumpSchema || !has(member.dump, Component.DEFINITION)) return []
  const pub = member.publication
  if (member.kind === 'PUBLICATION_TABLE_IN_SCHEMA') {
    return [{
      section: 'POST_DATA', tag: `${pub.name} ${member.schema!.name}`, desc: 'PUBLICATION TABLES IN SCHEMA', namespace: member.schema!.name, owner: pub.owner,
      defn: `ALTER PUBLICATION ${quoteIdent(pub.name)} ADD TABLES IN SCHEMA ${quoteIdent(member.schema!.name)};\n`,
    }]
  }
  const table = member.table!
  let defn = `ALTER PUBLICATION ${quoteIdent(pub.name)} ADD TABLE ONLY ${quoteQualified(table.namespace!.name, table.name)}`
  if (member.columns) defn += ` (${member.columns})`
  if (member.where) defn += ` WHERE (${member.where})`
  defn += ';\n'
  return [{ section: 'POST_DATA', tag: `${pub.name} ${table.name}`, desc: 'PUBLICATION TABLE', namespace: table.namespace!.name, owner: pub.owner, defn }]
}

export function emitDefaultAcl(ctx: EmitContext, dacl: DefaultAclObject): TocEntry[] {
  if (!ctx.dumpSchema || ctx.noPrivileges || !has(dacl.dump, Component.ACL)) return []
  const type = ({ r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS', L: 'LARGE OBJECTS' } as Record<string, string>)[dacl.objType]
  if (!type) return []
  const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(dacl.role)} ${dacl.namespace ? `IN SCHEMA ${quoteIdent(dacl.namespace.name)} ` : ''}`
  const sql = buildAclCommands({ type, name: '', schema: null, owner: dacl.role, prefix, legacySpacing: ctx.flavour < 18 }, dacl.dacl, ctx.aclMajor)
  if (!sql) return []
  return [{ section: 'POST_DATA', tag: `DEFAULT PRIVILEGES FOR ${type}`, desc: 'DEFAULT ACL', namespace: dacl.namespace?.name ?? null, owner: dacl.role, defn: sql }]
}
