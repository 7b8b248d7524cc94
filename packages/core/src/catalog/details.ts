// Per-object details needed only to write an object's definition, fetched in bulk for the objects
// being dumped (pg_dump queries them one object at a time while writing; one query per kind is
// much faster over a network). All deparsing happens here, inside the snapshot, on locked tables.
import { Component } from '../model/components'
import type { DumpObject, FunctionObject, QualifiedName, TableObject, TypeObject } from '../model/objects'
import { atLeast } from '../session/server-version'
import { bool, int, strings } from '../session/pg-text'
import { readBaseTypeDetails } from './base-type-details'
import { oidArray, type DumpContext } from './context'
import { readOpclassDetails } from './opclass-details'
import { readViewDefinitions } from './view-definitions'

/** Objects with anything to write: even an ACL-only entry needs the signature or name details. */
const defined = (o: DumpObject) => (o.dump & o.components) !== Component.NONE

/** `viewsAside`: the view definitions are read on the aside session (view-definitions.ts), not here. */
export async function readDefinitionDetails(ctx: DumpContext, viewsAside: boolean): Promise<void> {
  if (!ctx.dumpSchema) return
  await readFunctionDetails(ctx)
  await readAggregateDetails(ctx)
  await readTypeDetails(ctx)
  if (!viewsAside) await readViewDefinitions(ctx)
  await readRelationDetails(ctx)
  await readOperatorDetails(ctx)
  await readSmallDetails(ctx)
  await readOpclassDetails(ctx)
}

async function readFunctionDetails(ctx: DumpContext): Promise<void> {
  const fns = ctx.registry.ofKind('FUNC').filter(defined) as FunctionObject[]
  if (fns.length === 0) return
  const v14 = atLeast(ctx.session.version, 14)
  const rows = await ctx.session.query(
    `SELECT p.oid, proretset, prosrc, probin, provolatile, proisstrict, prosecdef, lanname, proconfig, procost, prorows,
            pg_catalog.pg_get_function_arguments(p.oid) AS funcargs,
            pg_catalog.pg_get_function_identity_arguments(p.oid) AS funciargs,
            pg_catalog.pg_get_function_result(p.oid) AS funcresult,
            proleakproof, array_to_string(protrftypes, ' ') AS protrftypes, proparallel, prokind, prosupport,
            ${v14 ? 'pg_catalog.pg_get_function_sqlbody(p.oid)' : 'NULL'} AS prosqlbody
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
      WHERE p.oid = ANY ($1::pg_catalog.oid[])`,
    [oidArray(fns.map((f) => f.catId.oid))], 'read function definitions',
  )
  for (const row of rows) {
    const fn = ctx.functions.get(Number(row.oid))!
    fn.details = {
      prokind: row.prokind!,
      retset: bool(row.proretset),
      src: row.prosqlbody === null ? row.prosrc : null,
      bin: row.prosqlbody === null ? row.probin : null,
      sqlbody: row.prosqlbody,
      args: row.funcargs!,
      identityArgs: row.funciargs!,
      result: row.funcresult,
      trftypes: row.protrftypes ?? '',
      volatile: row.provolatile!,
      strict: bool(row.proisstrict),
      secdef: bool(row.prosecdef),
      leakproof: bool(row.proleakproof),
      config: row.proconfig ? strings(row.proconfig) : [],
      cost: row.procost!,
      rows: row.prorows!,
      support: row.prosupport!,
      parallel: row.proparallel!,
      language: row.lanname!,
    }
  }
}

async function readAggregateDetails(ctx: DumpContext): Promise<void> {
  const aggs = ctx.registry.ofKind('AGG').filter(defined) as FunctionObject[]
  if (aggs.length === 0) return
  const rows = await ctx.session.query(
    `SELECT p.oid, aggtransfn, aggfinalfn, aggtranstype::pg_catalog.regtype AS aggtranstype, agginitval, aggsortop,
            pg_catalog.pg_get_function_arguments(p.oid) AS funcargs,
            pg_catalog.pg_get_function_identity_arguments(p.oid) AS funciargs,
            aggkind, aggmtransfn, aggminvtransfn, aggmfinalfn, aggmtranstype::pg_catalog.regtype AS aggmtranstype,
            aggfinalextra, aggmfinalextra, aggtransspace, aggmtransspace, aggminitval,
            aggcombinefn, aggserialfn, aggdeserialfn, proparallel, aggfinalmodify, aggmfinalmodify
       FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON a.aggfnoid = p.oid
      WHERE p.oid = ANY ($1::pg_catalog.oid[])`,
    [oidArray(aggs.map((f) => f.catId.oid))], 'read aggregate definitions',
  )
  for (const row of rows) {
    const agg = ctx.functions.get(Number(row.oid))!
    agg.details = {
      prokind: 'a', retset: false, src: null, bin: null, sqlbody: null,
      args: row.funcargs!, identityArgs: row.funciargs!, result: null, trftypes: '', volatile: 'v', strict: false,
      secdef: false, leakproof: false, config: [], cost: '0', rows: '0', support: '-', parallel: row.proparallel!, language: '',
      aggregate: {
        transfn: row.aggtransfn!, finalfn: row.aggfinalfn!, combinefn: row.aggcombinefn!, serialfn: row.aggserialfn!,
        deserialfn: row.aggdeserialfn!, mtransfn: row.aggmtransfn!, minvtransfn: row.aggminvtransfn!, mfinalfn: row.aggmfinalfn!,
        finalextra: bool(row.aggfinalextra), mfinalextra: bool(row.aggmfinalextra), finalmodify: row.aggfinalmodify!,
        mfinalmodify: row.aggmfinalmodify!, sortop: int(row.aggsortop), aggkind: row.aggkind!, transtype: row.aggtranstype!,
        transspace: row.aggtransspace!, mtranstype: row.aggmtranstype!, mtransspace: row.aggmtransspace!,
        initval: row.agginitval, minitval: row.aggminitval,
      },
    }
  }
}

async function readTypeDetails(ctx: DumpContext): Promise<void> {
  const types = [...ctx.types.madeTypes()].filter((t) => t.kind === 'TYPE' && defined(t))
  const oids = (typtype: string) => oidArray(types.filter((t) => t.typtype === typtype).map((t) => t.catId.oid))
  const v = ctx.session.version
  await readBaseTypeDetails(ctx, types)
  if (types.some((t) => t.typtype === 'e')) {
    const rows = await ctx.session.query(
      `SELECT enumtypid, array_agg(enumlabel ORDER BY enumsortorder) AS labels FROM pg_catalog.pg_enum
        WHERE enumtypid = ANY ($1::pg_catalog.oid[]) GROUP BY enumtypid`,
      [oids('e')], 'read enum labels',
    )
    for (const t of types.filter((t) => t.typtype === 'e')) t.details = { typtype: 'e', labels: [] }
    for (const row of rows) ctx.types.get(Number(row.enumtypid))!.details = { typtype: 'e', labels: strings(row.labels) }
  }
  if (types.some((t) => t.typtype === 'r')) {
    const rows = await ctx.session.query(
      `SELECT rngtypid, ${atLeast(v, 14) ? 'pg_catalog.format_type(rngmultitypid, NULL)' : 'NULL'} AS rngmultitype,
              pg_catalog.format_type(rngsubtype, NULL) AS rngsubtype, opc.opcname, opcn.nspname AS opcnsp, opc.opcdefault,
              CASE WHEN rngcollation = st.typcollation THEN 0 ELSE rngcollation END AS collation,
              rngcanonical, rngsubdiff
         FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type st ON st.oid = rngsubtype
         JOIN pg_catalog.pg_opclass opc ON opc.oid = rngsubopc JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
        WHERE rngtypid = ANY ($1::pg_catalog.oid[])`,
      [oids('r')], 'read range types',
    )
    for (const row of rows) {
      ctx.types.get(Number(row.rngtypid))!.details = {
        typtype: 'r', subtype: row.rngsubtype!, multirangeType: row.rngmultitype,
        opclass: bool(row.opcdefault) ? null : { schema: row.opcnsp!, name: row.opcname! },
        collation: collationName(ctx, row.collation),
        canonical: row.rngcanonical === '-' ? null : row.rngcanonical,
        subtypeDiff: row.rngsubdiff === '-' ? null : row.rngsubdiff,
      }
    }
  }
  if (types.some((t) => t.typtype === 'd')) {
    const v17 = atLeast(v, 17)
    const rows = await ctx.session.query(
      `SELECT t.oid, t.typnotnull, pg_catalog.format_type(t.typbasetype, t.typtypmod) AS typdefn,
              pg_catalog.pg_get_expr(t.typdefaultbin, 'pg_catalog.pg_type'::pg_catalog.regclass) AS typdefaultbin, t.typdefault,
              CASE WHEN t.typcollation <> u.typcollation THEN t.typcollation ELSE 0 END AS typcollation,
              ${v17 ? "(SELECT conname FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'n' LIMIT 1)" : 'NULL'} AS notnullname
         FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type u ON (t.typbasetype = u.oid)
        WHERE t.oid = ANY ($1::pg_catalog.oid[])`,
      [oids('d')], 'read domains',
    )
    for (const row of rows) {
      const domain = ctx.types.get(Number(row.oid))!
      domain.details = {
        typtype: 'd', baseType: row.typdefn!, notNull: bool(row.typnotnull),
        notNullName: row.notnullname && row.notnullname !== `${domain.name}_not_null` ? row.notnullname : null,
        default: row.typdefaultbin ?? row.typdefault,
        defaultIsLiteral: row.typdefaultbin === null && row.typdefault !== null,
        collation: collationName(ctx, row.typcollation),
      }
    }
  }
  if (types.some((t) => t.typtype === 'c')) {
    const rows = await ctx.session.query(
      `SELECT ct.oid AS typoid, a.attname, a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod) AS atttypdefn,
              CASE WHEN a.attcollation <> at.typcollation THEN a.attcollation ELSE 0 END AS attcollation
         FROM pg_catalog.pg_type ct JOIN pg_catalog.pg_attribute a ON a.attrelid = ct.typrelid
         LEFT JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
        WHERE ct.oid = ANY ($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY ct.oid, a.attnum`,
      [oids('c')], 'read composite types',
    )
    for (const t of types.filter((t) => t.typtype === 'c')) t.details = { typtype: 'c', attributes: [] }
    for (const row of rows) {
      const details = ctx.types.get(Number(row.typoid))!.details as Extract<TypeObject['details'], { typtype: 'c' }>
      details.attributes.push({ name: row.attname!, type: row.atttypdefn!, collation: collationName(ctx, row.attcollation), attnum: int(row.attnum) })
    }
  }
}

/** A non-default collation's qualified name, or null. */
function collationName(ctx: DumpContext, oid: string | null): QualifiedName | null {
  const coll = ctx.collations.get(int(oid))
  return coll ? { schema: coll.namespace!.name, name: coll.name } : null
}

async function readRelationDetails(ctx: DumpContext): Promise<void> {
  const tables = ctx.tableList.filter((t) => defined(t))
  const of = (pred: (t: TableObject) => boolean) => tables.filter(pred)
  const rules = ctx.registry.ofKind('RULE').filter((r) => r.dump & Component.DEFINITION)
  const partitioned = of((t) => t.relkind === 'p')
  if (partitioned.length > 0) {
    const rows = await ctx.session.query(
      'SELECT oid, pg_catalog.pg_get_partkeydef(oid) AS def FROM unnest($1::pg_catalog.oid[]) AS oid',
      [oidArray(partitioned.map((t) => t.catId.oid))], 'read partition keys',
    )
    for (const row of rows) ctx.tables.get(Number(row.oid))!.partKeyDef = row.def!
  }
  const foreign = of((t) => t.relkind === 'f')
  if (foreign.length > 0) {
    const rows = await ctx.session.query(
      `SELECT ft.ftrelid, fs.srvname, pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
              FROM pg_catalog.pg_options_to_table(ftoptions) ORDER BY option_name), E',\\n    ') AS ftoptions
         FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server fs ON (fs.oid = ft.ftserver)
        WHERE ft.ftrelid = ANY ($1::pg_catalog.oid[])`,
      [oidArray(foreign.map((t) => t.catId.oid))], 'read foreign tables',
    )
    for (const row of rows) {
      const t = ctx.tables.get(Number(row.ftrelid))!
      t.foreignServerName = row.srvname!
      t.foreignOptions = row.ftoptions ?? ''
    }
  }
  const attaches = ctx.registry.ofKind('TABLE_ATTACH')
  if (attaches.length > 0) {
    const rows = await ctx.session.query(
      'SELECT c.oid, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_catalog.pg_class c WHERE c.oid = ANY ($1::pg_catalog.oid[])',
      [oidArray(attaches.map((a) => a.partitionTable.catId.oid))], 'read partition bounds',
    )
    const bounds = new Map(rows.map((r) => [Number(r.oid), r.bound!]))
    for (const a of attaches) a.partBound = bounds.get(a.partitionTable.catId.oid)!
  }
  const separateRules = rules.filter((r) => r.separate)
  if (separateRules.length > 0) {
    const rows = await ctx.session.query(
      'SELECT oid, pg_catalog.pg_get_ruledef(oid) AS def FROM unnest($1::pg_catalog.oid[]) AS oid',
      [oidArray(separateRules.map((r) => r.catId.oid))], 'read rules',
    )
    const defs = new Map(rows.map((r) => [Number(r.oid), r.def!]))
    for (const r of separateRules) r.def = defs.get(r.catId.oid)!
  }
  const stats = ctx.registry.ofKind('STATSEXT').filter(defined)
  if (stats.length > 0) {
    const rows = await ctx.session.query(
      'SELECT oid, pg_catalog.pg_get_statisticsobjdef(oid) AS def FROM unnest($1::pg_catalog.oid[]) AS oid',
      [oidArray(stats.map((s) => s.catId.oid))], 'read extended statistics',
    )
    const defs = new Map(rows.map((r) => [Number(r.oid), r.def!]))
    for (const s of stats) s.def = defs.get(s.catId.oid)!
  }
}

async function readOperatorDetails(ctx: DumpContext): Promise<void> {
  const ops = ctx.registry.ofKind('OPERATOR').filter(defined).filter((o) => o.oprcode !== 0)
  if (ops.length === 0) return
  const rows = await ctx.session.query(
    `SELECT oid, oprcode::pg_catalog.regprocedure AS oprcode, oprleft::pg_catalog.regtype AS oprleft, oprright::pg_catalog.regtype AS oprright,
            oprcom, oprnegate, oprrest::pg_catalog.regprocedure AS oprrest, oprjoin::pg_catalog.regprocedure AS oprjoin, oprcanmerge, oprcanhash
       FROM pg_catalog.pg_operator WHERE oid = ANY ($1::pg_catalog.oid[])`,
    [oidArray(ops.map((o) => o.catId.oid))], 'read operators',
  )
  for (const row of rows) {
    ctx.operators.get(Number(row.oid))!.details = {
      code: row.oprcode!, left: row.oprleft!, right: row.oprright!, com: int(row.oprcom), negate: int(row.oprnegate),
      rest: row.oprrest!, join: row.oprjoin!, canMerge: bool(row.oprcanmerge), canHash: bool(row.oprcanhash),
    }
  }
}

/** Collations, conversions and text-search configuration maps. */
async function readSmallDetails(ctx: DumpContext): Promise<void> {
  const v = ctx.session.version
  const colls = ctx.registry.ofKind('COLLATION').filter(defined)
  if (colls.length > 0) {
    const rows = await ctx.session.query(
      `SELECT oid, collprovider, collisdeterministic, collcollate, collctype,
              ${atLeast(v, 17) ? 'colllocale' : atLeast(v, 15) ? 'colliculocale AS colllocale' : 'NULL AS colllocale'},
              ${atLeast(v, 16) ? 'collicurules' : 'NULL AS collicurules'}
         FROM pg_catalog.pg_collation WHERE oid = ANY ($1::pg_catalog.oid[])`,
      [oidArray(colls.map((c) => c.catId.oid))], 'read collations',
    )
    for (const row of rows) {
      const c = ctx.collations.get(Number(row.oid))!
      const blankToNull = (s: string | null) => (!atLeast(v, 15) && s === '' ? null : s)
      Object.assign(c.info, {
        provider: row.collprovider, deterministic: bool(row.collisdeterministic),
        collate: blankToNull(row.collcollate), ctype: blankToNull(row.collctype), locale: row.colllocale, rules: row.collicurules,
      })
    }
  }
  const convs = ctx.registry.ofKind('CONVERSION').filter(defined)
  if (convs.length > 0) {
    const rows = await ctx.session.query(
      `SELECT oid, pg_catalog.pg_encoding_to_char(conforencoding) AS forenc, pg_catalog.pg_encoding_to_char(contoencoding) AS toenc,
              conproc, condefault FROM pg_catalog.pg_conversion WHERE oid = ANY ($1::pg_catalog.oid[])`,
      [oidArray(convs.map((c) => c.catId.oid))], 'read conversions',
    )
    const byOid = new Map(convs.map((c) => [c.catId.oid, c]))
    for (const row of rows) Object.assign(byOid.get(Number(row.oid))!.info, { forEncoding: row.forenc, toEncoding: row.toenc, proc: row.conproc, isDefault: bool(row.condefault) })
  }
  const configs = ctx.registry.ofKind('TSCONFIG').filter(defined)
  for (const cfg of configs) {
    const rows = await ctx.session.query(
      `SELECT (SELECT alias FROM pg_catalog.ts_token_type($1::pg_catalog.oid) AS t WHERE t.tokid = m.maptokentype) AS tokenname,
              m.mapdict::pg_catalog.regdictionary AS dictname
         FROM pg_catalog.pg_ts_config_map AS m WHERE m.mapcfg = $2
        ORDER BY m.mapcfg, m.maptokentype, m.mapseqno`,
      [cfg.info.parser, cfg.catId.oid], 'read text search configuration mappings',
    )
    cfg.info.mappings = rows.map((r) => ({ token: r.tokenname!, dict: r.dictname! }))
  }
}
