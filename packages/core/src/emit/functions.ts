// CREATE FUNCTION / PROCEDURE / AGGREGATE, assembled clause by clause as pg_dump's dumpFunc and
// dumpAgg do (not pg_get_functiondef): COST/ROWS only when not default, SET clauses quoted per GUC.
import { Component, has } from '../model/components'
import type { FunctionObject } from '../model/objects'
import { aclEntries } from './acl'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteDollar, quoteIdent, quoteLiteral } from './quote'
import { functionSignature } from './schema-objects'
import type { TocEntry } from './toc-entry'

/** GUCs whose value is a list that was quoted when stored (GUC_LIST_QUOTE). */
const LIST_QUOTED_GUCS = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories'])

export function emitFunction(ctx: EmitContext, fn: FunctionObject): TocEntry[] {
  const d = fn.details
  if (!ctx.dumpSchema || !d) return []
  const lit = (s: string) => quoteLiteral(s, ctx.standardConformingStrings)
  const schema = fn.namespace!.name
  const keyword = d.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION'
  const signature = `${quoteIdent(fn.name)}(${d.identityArgs})`
  let asPart: string
  if (d.sqlbody !== null) asPart = d.sqlbody
  else if (d.bin) {
    asPart = `AS ${lit(d.bin)}`
    if (d.src) asPart += `, ${!d.src.includes("'") && !d.src.includes('\\') ? lit(d.src) : quoteDollar(d.src)}`
  } else asPart = `AS ${quoteDollar(d.src ?? '')}`

  let q = `CREATE ${keyword} ${quoteIdent(schema)}.${quoteIdent(fn.name)}(${d.args})`
  if (keyword === 'FUNCTION') q += ` RETURNS ${d.result ?? `${d.retset ? 'SETOF ' : ''}${ctx.typeName(fn.rettype)}`}`
  q += `\n    LANGUAGE ${quoteIdent(d.language)}`
  if (d.trftypes) {
    q += ` TRANSFORM ${d.trftypes.split(' ').filter(Boolean).map((t) => `FOR TYPE ${ctx.typeName(Number(t)) ?? 'NONE'}`).join(', ')}`
  }
  if (d.prokind === 'w') q += ' WINDOW'
  if (d.volatile === 'i') q += ' IMMUTABLE'
  else if (d.volatile === 's') q += ' STABLE'
  if (d.strict) q += ' STRICT'
  if (d.secdef) q += ' SECURITY DEFINER'
  if (d.leakproof) q += ' LEAKPROOF'
  if (d.cost !== '0') {
    const defaultCost = d.language === 'internal' || d.language === 'c' ? '1' : '100'
    if (d.cost !== defaultCost) q += ` COST ${d.cost}`
  }
  if (d.retset && d.rows !== '0' && d.rows !== '1000') q += ` ROWS ${d.rows}`
  if (d.support !== '-') q += ` SUPPORT ${d.support}`
  if (d.parallel === 's') q += ' PARALLEL SAFE'
  else if (d.parallel === 'r') q += ' PARALLEL RESTRICTED'
  for (const item of d.config) {
    const eq = item.indexOf('=')
    if (eq < 0) continue
    const name = item.slice(0, eq)
    const value = item.slice(eq + 1)
    q += `\n    SET ${quoteIdent(name)} TO `
    q += LIST_QUOTED_GUCS.has(name.toLowerCase()) ? splitGucList(value).map(lit).join(', ') : lit(value)
  }
  q += `\n    ${asPart};\n`
  for (const ext of ctx.dependsOnExtensions('pg_proc', fn.catId.oid)) {
    q += `\nALTER ${keyword} ${quoteIdent(schema)}.${signature} DEPENDS ON EXTENSION ${quoteIdent(ext)};`
  }

  const out: TocEntry[] = []
  if (has(fn.dump, Component.DEFINITION)) {
    out.push({
      section: fn.postponedDef ? 'POST_DATA' : 'PRE_DATA',
      tag: functionSignature(ctx, fn.name, fn.argtypes, false),
      desc: keyword, namespace: schema, owner: fn.owner, defn: q,
      drop: `DROP ${keyword} ${quoteIdent(schema)}.${signature};\n`,
      // A dumped base type's DROP TYPE … CASCADE (dropped first) takes the functions taking or returning it.
      droppedByCascade: [fn.rettype, ...fn.argtypes].some((oid) => {
        let type = ctx.types.get(oid)
        if (type?.isArray) type = ctx.types.get(type.typelem)
        return type?.typtype === 'b' && has(type.dump, Component.DEFINITION)
      }),
    })
  }
  if (has(fn.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: keyword, name: signature, schema, owner: fn.owner, catId: fn.catId }))
  if (has(fn.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: keyword, name: signature, schema, owner: fn.owner, catId: fn.catId }))
  if (has(fn.dump, Component.ACL)) out.push(...aclEntries(ctx, { type: keyword, name: signature, schema, owner: fn.owner }, fn.dacl))
  return out
}

/**
 * Splits a stored GUC list (`public, "My Schema"`) into its elements: double quotes removed and
 * `""` unescaped, no case folding (SplitGUCList).
 */
export function splitGucList(value: string): string[] {
  const out: string[] = []
  let i = 0
  const skipSpace = () => { while (i < value.length && /\s/.test(value[i]!)) i++ }
  skipSpace()
  if (i >= value.length) return out
  for (;;) {
    let item = ''
    if (value[i] === '"') {
      i++
      while (i < value.length) {
        if (value[i] === '"') {
          if (value[i + 1] === '"') { item += '"'; i += 2; continue }
          i++
          break
        }
        item += value[i++]
      }
    } else {
      while (i < value.length && value[i] !== ',' && !/\s/.test(value[i]!)) item += value[i++]
    }
    out.push(item)
    skipSpace()
    if (value[i] === ',') {
      i++
      skipSpace()
      continue
    }
    break
  }
  return out
}

export function emitAggregate(ctx: EmitContext, agg: FunctionObject): TocEntry[] {
  const d = agg.details
  const a = d?.aggregate
  if (!ctx.dumpSchema || !d || !a) return []
  const schema = agg.namespace!.name
  const argsOrStar = (args: string) => (agg.argtypes.length === 0 ? '(*)' : `(${args})`)
  const fullSig = `${quoteIdent(agg.name)}${argsOrStar(d.args)}`
  const sig = `${quoteIdent(agg.name)}${argsOrStar(d.identityArgs)}`
  const lit = (s: string) => quoteLiteral(s, ctx.standardConformingStrings)
  const defaultModify = a.aggkind === 'n' ? 'r' : 'w'
  const modify = (m: string) => ({ r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' })[m as 'r'] ?? 'READ_ONLY'
  let details = `    SFUNC = ${a.transfn},\n    STYPE = ${a.transtype}`
  if (a.transspace !== '0') details += `,\n    SSPACE = ${a.transspace}`
  if (a.initval !== null) details += `,\n    INITCOND = ${lit(a.initval)}`
  if (a.finalfn !== '-') {
    details += `,\n    FINALFUNC = ${a.finalfn}`
    if (a.finalextra) details += ',\n    FINALFUNC_EXTRA'
    if (a.finalmodify !== defaultModify) details += `,\n    FINALFUNC_MODIFY = ${modify(a.finalmodify)}`
  }
  if (a.combinefn !== '-') details += `,\n    COMBINEFUNC = ${a.combinefn}`
  if (a.serialfn !== '-') details += `,\n    SERIALFUNC = ${a.serialfn}`
  if (a.deserialfn !== '-') details += `,\n    DESERIALFUNC = ${a.deserialfn}`
  if (a.mtransfn !== '-') details += `,\n    MSFUNC = ${a.mtransfn},\n    MINVFUNC = ${a.minvtransfn},\n    MSTYPE = ${a.mtranstype}`
  if (a.mtransspace !== '0') details += `,\n    MSSPACE = ${a.mtransspace}`
  if (a.minitval !== null) details += `,\n    MINITCOND = ${lit(a.minitval)}`
  if (a.mfinalfn !== '-') {
    details += `,\n    MFINALFUNC = ${a.mfinalfn}`
    if (a.mfinalextra) details += ',\n    MFINALFUNC_EXTRA'
    if (a.mfinalmodify !== defaultModify) details += `,\n    MFINALFUNC_MODIFY = ${modify(a.mfinalmodify)}`
  }
  const sortop = ctx.operators.get(a.sortop)
  if (sortop) details += `,\n    SORTOP = OPERATOR(${quoteIdent(sortop.namespace!.name)}.${sortop.name})`
  if (a.aggkind === 'h') details += ',\n    HYPOTHETICAL'
  if (d.parallel === 's') details += ',\n    PARALLEL = safe'
  else if (d.parallel === 'r') details += ',\n    PARALLEL = restricted'

  const out: TocEntry[] = []
  if (has(agg.dump, Component.DEFINITION)) {
    out.push({
      section: 'PRE_DATA',
      tag: agg.argtypes.length === 0 ? `${agg.name}(*)` : functionSignature(ctx, agg.name, agg.argtypes, false),
      desc: 'AGGREGATE', namespace: schema, owner: agg.owner,
      defn: `CREATE AGGREGATE ${quoteIdent(schema)}.${fullSig} (\n${details}\n);\n`,
      drop: `DROP AGGREGATE ${quoteIdent(schema)}.${sig};\n`,
    })
  }
  if (has(agg.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'AGGREGATE', name: sig, schema, owner: agg.owner, catId: agg.catId }))
  if (has(agg.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'AGGREGATE', name: sig, schema, owner: agg.owner, catId: agg.catId }))
  if (has(agg.dump, Component.ACL)) {
    out.push(...aclEntries(ctx, { type: 'FUNCTION', name: functionSignature(ctx, agg.name, agg.argtypes, true), schema, owner: agg.owner }, agg.dacl))
  }
  return out
}
