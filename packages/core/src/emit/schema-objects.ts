// Schemas, extensions, procedural languages, access methods and casts.
import { Component, has } from '../model/components'
import type { CastObject, ExtensionObject, NamespaceObject, SimpleOwnedObject } from '../model/objects'
import { aclEntries } from './acl'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent } from './quote'
import type { TocEntry } from './toc-entry'

export function emitNamespace(ctx: EmitContext, ns: NamespaceObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(ns.name)
  const out: TocEntry[] = []
  if (has(ns.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: ns.name, desc: 'SCHEMA', namespace: null, owner: ns.owner,
      defn: ns.create ? `CREATE SCHEMA ${q};\n` : '-- *not* creating schema, since initdb creates it\n',
      drop: ns.create ? `DROP SCHEMA ${q};\n` : '-- *not* dropping schema, since initdb creates it\n',
    })
  }
  if (has(ns.dump, Component.COMMENT)) {
    out.push(...commentEntries(ctx, { type: 'SCHEMA', name: q, schema: null, owner: ns.owner, catId: ns.catId }, !ns.create && ns.name === 'public' ? 'standard public schema' : undefined))
  }
  if (has(ns.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'SCHEMA', name: q, schema: null, owner: ns.owner, catId: ns.catId }))
  if (has(ns.dump, Component.ACL)) out.push(...aclEntries(ctx, { type: 'SCHEMA', name: q, schema: null, owner: ns.owner }, ns.dacl))
  return out
}

export function emitExtension(ctx: EmitContext, ext: ExtensionObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(ext.name)
  const out: TocEntry[] = []
  if (has(ext.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: ext.name, desc: 'EXTENSION', namespace: null, owner: null,
      defn: `CREATE EXTENSION IF NOT EXISTS ${q} WITH SCHEMA ${quoteIdent(ext.schemaName)};\n`,
      drop: `DROP EXTENSION ${q};\n`,
    })
  }
  if (has(ext.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'EXTENSION', name: q, schema: null, owner: '', catId: ext.catId }))
  if (has(ext.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'EXTENSION', name: q, schema: null, owner: '', catId: ext.catId }))
  return out
}

export function emitProcLanguage(ctx: EmitContext, lang: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(lang.name)
  const out: TocEntry[] = []
  if (has(lang.dump, Component.DEFINITION)) {
    const handler = ctx.functions.get(Number(lang.info.handler))
    const inline = ctx.functions.get(Number(lang.info.inline))
    const validator = ctx.functions.get(Number(lang.info.validator))
    let defn: string
    if (handler && has(handler.dump, Component.DEFINITION)) {
      defn = `CREATE ${lang.info.trusted ? 'TRUSTED ' : ''}PROCEDURAL LANGUAGE ${q} HANDLER ${quoteIdent(handler.namespace!.name)}.${quoteIdent(handler.name)}`
      if (inline) defn += ` INLINE ${quoteIdent(inline.namespace!.name)}.${quoteIdent(inline.name)}`
      if (validator) defn += ` VALIDATOR ${quoteIdent(validator.namespace!.name)}.${quoteIdent(validator.name)}`
      defn += ';\n'
    } else {
      // The handler lives in pg_catalog: rely on the server's template knowledge.
      defn = `CREATE OR REPLACE PROCEDURAL LANGUAGE ${q};\n`
    }
    out.push({ section: 'PRE_DATA', tag: lang.name, desc: 'PROCEDURAL LANGUAGE', namespace: null, owner: lang.owner, defn, drop: `DROP PROCEDURAL LANGUAGE ${q};\n` })
  }
  if (has(lang.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'LANGUAGE', name: q, schema: null, owner: lang.owner, catId: lang.catId }))
  if (has(lang.dump, Component.ACL) && lang.dacl) out.push(...aclEntries(ctx, { type: 'LANGUAGE', name: q, schema: null, owner: lang.owner }, lang.dacl))
  return out
}

export function emitAccessMethod(ctx: EmitContext, am: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const q = quoteIdent(am.name)
  const type = am.info.amtype === 'i' ? 'INDEX' : am.info.amtype === 't' ? 'TABLE' : null
  if (!type) return []
  const out: TocEntry[] = []
  if (has(am.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: am.name, desc: 'ACCESS METHOD', namespace: null, owner: null,
      defn: `CREATE ACCESS METHOD ${q} TYPE ${type} HANDLER ${am.info.handler};\n`, drop: `DROP ACCESS METHOD ${q};\n`,
    })
  }
  if (has(am.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'ACCESS METHOD', name: q, schema: null, owner: '', catId: am.catId }))
  return out
}

export function emitCast(ctx: EmitContext, cast: CastObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const source = ctx.typeName(cast.source) ?? 'NONE'
  const target = ctx.typeName(cast.target) ?? 'NONE'
  let method: string
  if (cast.method === 'b') method = 'WITHOUT FUNCTION'
  else if (cast.method === 'i') method = 'WITH INOUT'
  else {
    const fn = ctx.functions.get(cast.func)
    if (!fn) return []
    method = `WITH FUNCTION ${quoteIdent(fn.namespace!.name)}.${functionSignature(ctx, fn.name, fn.argtypes, true)}`
  }
  const context = cast.context === 'a' ? ' AS ASSIGNMENT' : cast.context === 'i' ? ' AS IMPLICIT' : ''
  const out: TocEntry[] = []
  if (has(cast.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA', tag: `CAST (${source} AS ${target})`, desc: 'CAST', namespace: null, owner: null,
      defn: `CREATE CAST (${source} AS ${target}) ${method}${context};\n`, drop: `DROP CAST (${source} AS ${target});\n`,
    })
  }
  if (has(cast.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'CAST', name: `(${source} AS ${target})`, schema: null, owner: '', catId: cast.catId }))
  return out
}

/** `name(type, type)` with formatted argument types (pg_dump's format_function_signature). */
export function functionSignature(ctx: EmitContext, name: string, argtypes: number[], quote: boolean): string {
  return `${quote ? quoteIdent(name) : name}(${argtypes.map((t) => ctx.typeName(t) ?? '???').join(', ')})`
}
