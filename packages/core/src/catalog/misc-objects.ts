// Smaller object kinds read in one pass each: procedural languages, collations, conversions, casts,
// transforms, text search objects, event triggers, publications.
import { Component } from '../model/components'
import type { CastObject, SimpleOwnedObject } from '../model/objects'
import { selectBuiltinByOid, selectObject, selectProcLang } from '../select/dumpable'
import { bool, catIdOf, int } from '../session/pg-text'
import { atLeast } from '../session/server-version'
import { findNamespace, roleName, type DumpContext } from './context'

type Row = Record<string, string | null>

function addOwned(ctx: DumpContext, kind: SimpleOwnedObject['kind'], row: Row, fields: { name: string; nsp?: string | null; owner?: string | null; info?: Record<string, unknown> }): SimpleOwnedObject {
  return ctx.registry.add<SimpleOwnedObject>({
    kind,
    catId: catIdOf(row),
    name: fields.name,
    namespace: fields.nsp == null ? null : findNamespace(ctx, fields.nsp),
    owner: fields.owner == null ? '' : roleName(ctx, fields.owner),
    info: fields.info ?? {},
  })
}

export async function readProcLanguages(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, lanname, lanpltrusted, lanplcallfoid, laninline, lanvalidator, lanacl,
            pg_catalog.acldefault('l', lanowner) AS acldefault, lanowner
       FROM pg_catalog.pg_language WHERE lanispl ORDER BY oid`,
    [], 'read procedural languages',
  )
  for (const row of rows) {
    const lang = addOwned(ctx, 'PROCLANG', row, {
      name: row.lanname!, owner: row.lanowner,
      info: { trusted: bool(row.lanpltrusted), handler: int(row.lanplcallfoid), inline: int(row.laninline), validator: int(row.lanvalidator) },
    })
    lang.dacl = { acl: row.lanacl, aclDefault: row.acldefault! }
    selectProcLang(ctx, lang)
    if (row.lanacl !== null) lang.components |= Component.ACL
  }
}

export async function readCollations(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    'SELECT tableoid, oid, collname, collnamespace, collowner, collencoding FROM pg_catalog.pg_collation',
    [], 'read collations',
  )
  for (const row of rows) {
    const coll = addOwned(ctx, 'COLLATION', row, { name: row.collname!, nsp: row.collnamespace, owner: row.collowner, info: { encoding: int(row.collencoding) } })
    selectObject(ctx, coll)
    ctx.collations.set(coll.catId.oid, coll)
  }
}

export async function readConversions(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    'SELECT tableoid, oid, conname, connamespace, conowner FROM pg_catalog.pg_conversion',
    [], 'read conversions',
  )
  for (const row of rows) selectObject(ctx, addOwned(ctx, 'CONVERSION', row, { name: row.conname!, nsp: row.connamespace, owner: row.conowner }))
}

export async function readCasts(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, castsource, casttarget, castfunc, castcontext, castmethod
       FROM pg_catalog.pg_cast c
      ${atLeast(ctx.session.version, 14) ? 'WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r WHERE c.castsource = r.rngtypid AND c.casttarget = r.rngmultitypid)' : ''}
      ORDER BY 3, 4`,
    [], 'read casts',
  )
  for (const row of rows) {
    const source = ctx.types.nameOf(int(row.castsource))
    const target = ctx.types.nameOf(int(row.casttarget))
    const cast = ctx.registry.add<CastObject>({
      kind: 'CAST',
      catId: catIdOf(row),
      name: source && target ? `${source.name} ${target.name}` : '',
      namespace: null,
      source: int(row.castsource),
      target: int(row.casttarget),
      func: int(row.castfunc),
      context: row.castcontext!,
      method: row.castmethod!,
    })
    selectBuiltinByOid(ctx, cast)
  }
}

export async function readTransforms(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT t.tableoid, t.oid, t.trftype, t.trflang, t.trffromsql::pg_catalog.oid AS trffromsql, t.trftosql::pg_catalog.oid AS trftosql, l.lanname
       FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang ORDER BY 3, 4`,
    [], 'read transforms',
  )
  for (const row of rows) {
    const type = ctx.types.nameOf(int(row.trftype))
    const transform = addOwned(ctx, 'TRANSFORM', row, {
      name: type ? `${type.name} ${row.lanname}` : '',
      info: { type: int(row.trftype), lang: int(row.trflang), lanname: row.lanname, fromSql: int(row.trffromsql), toSql: int(row.trftosql) },
    })
    selectObject(ctx, transform)
  }
}

export async function readTextSearch(ctx: DumpContext): Promise<void> {
  const parsers = await ctx.session.query(
    `SELECT tableoid, oid, prsname, prsnamespace, prsstart::pg_catalog.regproc AS prsstart, prstoken::pg_catalog.regproc AS prstoken,
            prsend::pg_catalog.regproc AS prsend, prsheadline::pg_catalog.regproc AS prsheadline, prslextype::pg_catalog.regproc AS prslextype
       FROM pg_catalog.pg_ts_parser`,
    [], 'read text search parsers',
  )
  for (const row of parsers) {
    selectObject(ctx, addOwned(ctx, 'TSPARSER', row, { name: row.prsname!, nsp: row.prsnamespace, info: { start: row.prsstart, token: row.prstoken, end: row.prsend, headline: row.prsheadline, lextype: row.prslextype } }))
  }
  const templates = await ctx.session.query(
    `SELECT tableoid, oid, tmplname, tmplnamespace, tmplinit::pg_catalog.regproc AS tmplinit, tmpllexize::pg_catalog.regproc AS tmpllexize
       FROM pg_catalog.pg_ts_template`,
    [], 'read text search templates',
  )
  for (const row of templates) {
    selectObject(ctx, addOwned(ctx, 'TSTEMPLATE', row, { name: row.tmplname!, nsp: row.tmplnamespace, info: { init: row.tmplinit, lexize: row.tmpllexize } }))
  }
  const dicts = await ctx.session.query(
    `SELECT d.tableoid, d.oid, d.dictname, d.dictnamespace, d.dictowner, d.dictinitoption, t.tmplname, tn.nspname AS tmplnsp
       FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
       JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace`,
    [], 'read text search dictionaries',
  )
  for (const row of dicts) {
    selectObject(ctx, addOwned(ctx, 'TSDICT', row, { name: row.dictname!, nsp: row.dictnamespace, owner: row.dictowner, info: { initOption: row.dictinitoption, template: row.tmplname, templateSchema: row.tmplnsp } }))
  }
  const configs = await ctx.session.query(
    `SELECT c.tableoid, c.oid, c.cfgname, c.cfgnamespace, c.cfgowner, c.cfgparser, p.prsname, pn.nspname AS prsnsp
       FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace`,
    [], 'read text search configurations',
  )
  for (const row of configs) {
    selectObject(ctx, addOwned(ctx, 'TSCONFIG', row, { name: row.cfgname!, nsp: row.cfgnamespace, owner: row.cfgowner, info: { parser: int(row.cfgparser), parserName: row.prsname, parserSchema: row.prsnsp } }))
  }
}

export async function readEventTriggers(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT e.tableoid, e.oid, evtname, evtenabled, evtevent, evtowner,
            array_to_string(array(SELECT quote_literal(x) FROM unnest(evttags) AS t(x)), ', ') AS evttags,
            e.evtfoid::pg_catalog.regproc AS evtfname
       FROM pg_catalog.pg_event_trigger e ORDER BY e.oid`,
    [], 'read event triggers',
  )
  for (const row of rows) {
    selectObject(ctx, addOwned(ctx, 'EVENT_TRIGGER', row, {
      name: row.evtname!, owner: row.evtowner,
      info: { event: row.evtevent, tags: row.evttags ?? '', func: row.evtfname, enabled: row.evtenabled },
    }))
  }
}

export async function readPublications(ctx: DumpContext): Promise<void> {
  if (ctx.options.noPublications) return
  const v = ctx.session.version.major
  const rows = await ctx.session.query(
    `SELECT p.tableoid, p.oid, p.pubname, p.pubowner, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete,
            p.pubtruncate, p.pubviaroot, ${v >= 18 ? 'p.pubgencols' : "'n' AS pubgencols"}
       FROM pg_catalog.pg_publication p`,
    [], 'read publications',
  )
  for (const row of rows) {
    const pub = addOwned(ctx, 'PUBLICATION', row, {
      name: row.pubname!, owner: row.pubowner,
      info: {
        allTables: bool(row.puballtables), insert: bool(row.pubinsert), update: bool(row.pubupdate),
        delete: bool(row.pubdelete), truncate: bool(row.pubtruncate), viaRoot: bool(row.pubviaroot), genCols: row.pubgencols,
      },
    })
    selectObject(ctx, pub)
    ctx.publications.set(pub.catId.oid, pub)
  }
}
