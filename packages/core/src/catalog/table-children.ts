// Things that hang off dumped tables: extended statistics, triggers, rules and row-level security
// policies, and their publication memberships.
import { Component } from '../model/components'
import type { PolicyObject, PublicationRelObject, RuleObject, StatsExtObject, TriggerObject } from '../model/objects'
import { addDependency } from '../model/registry'
import { checkExtensionMembership } from '../select/dumpable'
import { atLeast } from '../session/server-version'
import { bool, catIdOf, int, strings } from '../session/pg-text'
import { quoteIdent } from '../emit/quote'
import { findNamespace, oidArray, roleName, type DumpContext } from './context'

export async function readExtendedStatistics(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    `SELECT tableoid, oid, stxname, stxnamespace, stxowner, stxrelid, stxstattarget FROM pg_catalog.pg_statistic_ext`,
    [], 'read extended statistics',
  )
  for (const row of rows) {
    const table = ctx.tables.get(int(row.stxrelid)) ?? null
    const stat = ctx.registry.add<StatsExtObject>({
      kind: 'STATSEXT',
      catId: catIdOf(row),
      name: row.stxname!,
      namespace: findNamespace(ctx, row.stxnamespace),
      owner: roleName(ctx, row.stxowner),
      table,
      statTarget: row.stxstattarget === null ? -1 : int(row.stxstattarget),
    })
    if (checkExtensionMembership(ctx, stat)) continue
    stat.dump = stat.namespace!.dumpContains
    if (!table || !(table.dump & Component.DEFINITION)) stat.dump = Component.NONE
  }
}

export async function readTriggers(ctx: DumpContext): Promise<void> {
  const tables = ctx.tableList.filter((t) => t.hasTriggers && (t.dump & Component.DEFINITION))
  if (tables.length === 0) return
  const v15 = atLeast(ctx.session.version, 15)
  const rows = await ctx.session.query(
    `SELECT t.tgrelid, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, false) AS tgdef, t.tgenabled, t.tableoid, t.oid,
            ${v15 ? 't.tgparentid <> 0' : 't.tgisinternal'} AS tgispartition
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_trigger t ON (src.tbloid = t.tgrelid)
       LEFT JOIN pg_catalog.pg_trigger u ON (u.oid = t.tgparentid)
      WHERE ${v15 ? '((NOT t.tgisinternal AND t.tgparentid = 0) OR t.tgenabled <> u.tgenabled)' : '(NOT t.tgisinternal OR t.tgenabled <> u.tgenabled)'}
      ORDER BY t.tgrelid, t.tgname`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read triggers',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.tgrelid))!
    ctx.registry.add<TriggerObject>({
      kind: 'TRIGGER',
      catId: catIdOf(row),
      name: row.tgname!,
      namespace: table.namespace,
      table,
      enabled: row.tgenabled!,
      isPartitionClone: bool(row.tgispartition),
      def: row.tgdef!,
    })
  }
}

export async function readRules(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    'SELECT tableoid, oid, rulename, ev_class AS ruletable, ev_type, is_instead, ev_enabled FROM pg_catalog.pg_rewrite ORDER BY oid',
    [], 'read rules',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.ruletable))
    if (!table) continue
    const rule = ctx.registry.add<RuleObject>({
      kind: 'RULE',
      catId: catIdOf(row),
      name: row.rulename!,
      namespace: table.namespace,
      table,
      evType: row.ev_type!,
      isInstead: bool(row.is_instead),
      evEnabled: row.ev_enabled!,
      separate: true,
      dump: table.dump,
    })
    if ((table.relkind === 'v' || table.relkind === 'm') && rule.evType === '1' && rule.isInstead) {
      // A view's ON SELECT rule sorts before the view, so the rule's dependencies place the view.
      addDependency(table, rule.dumpId)
      rule.separate = false
    } else {
      addDependency(rule, table.dumpId)
    }
  }
}

export async function readPolicies(ctx: DumpContext): Promise<void> {
  const tables = ctx.tableList.filter((t) => (t.dump & Component.POLICY) && (t.relkind === 'r' || t.relkind === 'p'))
  for (const table of tables) {
    if (!table.rowSecurity) continue
    table.components |= Component.POLICY
    ctx.registry.add<PolicyObject>({
      kind: 'POLICY',
      catId: { tableoid: 0, oid: table.catId.oid },
      name: table.name,
      namespace: table.namespace,
      table,
      polname: null,
      cmd: '',
      permissive: true,
      roles: null,
      qual: null,
      withCheck: null,
    })
  }
  if (tables.length === 0) return
  const rows = await ctx.session.query(
    `SELECT pol.oid, pol.tableoid, pol.polrelid, pol.polname, pol.polcmd, pol.polpermissive,
            CASE WHEN pol.polroles = '{0}' THEN NULL ELSE
              pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles WHERE oid = ANY(pol.polroles)), ', ') END AS polroles,
            pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS polqual,
            pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS polwithcheck
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_policy pol ON (src.tbloid = pol.polrelid)`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read row-level security policies',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.polrelid))!
    table.components |= Component.POLICY
    ctx.registry.add<PolicyObject>({
      kind: 'POLICY',
      catId: catIdOf(row),
      name: row.polname!,
      namespace: table.namespace,
      table,
      polname: row.polname!,
      cmd: row.polcmd!,
      permissive: bool(row.polpermissive),
      roles: row.polroles,
      qual: row.polqual,
      withCheck: row.polwithcheck,
    })
  }
}

export async function readPublicationMembers(ctx: DumpContext): Promise<void> {
  if (ctx.options.noPublications || ctx.publications.size === 0) return
  const v15 = atLeast(ctx.session.version, 15)
  if (v15) {
    const rows = await ctx.session.query(
      'SELECT tableoid, oid, pnpubid, pnnspid FROM pg_catalog.pg_publication_namespace',
      [], 'read publication schemas',
    )
    for (const row of rows) {
      const publication = ctx.publications.get(Number(row.pnpubid))
      const schema = ctx.namespaces.get(Number(row.pnnspid))
      if (!publication || !schema) continue
      const member = ctx.registry.add<PublicationRelObject>({
        kind: 'PUBLICATION_TABLE_IN_SCHEMA',
        catId: catIdOf(row),
        name: schema.name,
        namespace: schema.namespace,
        publication,
        table: null,
        schema,
        columns: null,
        where: null,
      })
      selectPublicationMember(ctx, member)
    }
  }
  const rows = await ctx.session.query(
    v15
      ? `SELECT tableoid, oid, prpubid, prrelid, pg_catalog.pg_get_expr(prqual, prrelid) AS prrelqual,
                (CASE WHEN pr.prattrs IS NOT NULL THEN
                   (SELECT array_agg(attname) FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,
                           pg_catalog.pg_attribute WHERE attrelid = pr.prrelid AND attnum = prattrs[s])
                 ELSE NULL END) AS prattrs
           FROM pg_catalog.pg_publication_rel pr`
      : 'SELECT tableoid, oid, prpubid, prrelid, NULL AS prrelqual, NULL AS prattrs FROM pg_catalog.pg_publication_rel',
    [], 'read publication tables',
  )
  for (const row of rows) {
    const publication = ctx.publications.get(Number(row.prpubid))
    const table = ctx.tables.get(Number(row.prrelid))
    if (!publication || !table) continue
    const member = ctx.registry.add<PublicationRelObject>({
      kind: 'PUBLICATION_REL',
      catId: catIdOf(row),
      name: table.name,
      namespace: table.namespace,
      publication,
      table,
      schema: null,
      columns: row.prattrs === null ? null : strings(row.prattrs).map(quoteIdent).join(', '),
      where: row.prrelqual,
    })
    selectPublicationMember(ctx, member)
  }
}

function selectPublicationMember(ctx: DumpContext, member: PublicationRelObject): void {
  if (checkExtensionMembership(ctx, member)) return
  member.dump = ctx.selection.includeEverything ? Component.ALL : Component.NONE
  // Membership of a table whose definition is left out, or of an excluded schema, cannot be restored.
  if (member.table && !(member.table.dump & Component.DEFINITION)) member.dump = Component.NONE
  if (member.schema && member.schema.dump === Component.NONE) member.dump = Component.NONE
}
