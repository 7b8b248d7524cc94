// Entries that hang off a table: separate defaults, partition ATTACH, indexes and their ATTACH,
// constraints, extended statistics, triggers, rules and row-level security policies.
import { Component, has } from '../model/components'
import type {
  AttrDefObject, ConstraintObject, IndexAttachObject, IndexObject, PolicyObject, RuleObject, StatsExtObject,
  TableAttachObject, TriggerObject,
} from '../model/objects'
import { strings } from '../session/pg-text'
import { commentEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteDollar, quoteIdent, quoteLiteral, quoteQualified } from './quote'
import { formatReloptions, nonEmptyReloptions } from './reloptions'
import { dummyViewBody } from './table'
import type { TocEntry } from './toc-entry'

const defined = (o: { dump: number }) => has(o.dump, Component.DEFINITION)

export function emitAttrDef(ctx: EmitContext, def: AttrDefObject): TocEntry[] {
  if (!ctx.dumpSchema || !def.separate || !defined(def)) return []
  const table = def.table
  const qual = quoteQualified(table.namespace!.name, table.name)
  const col = table.columns[def.adnum - 1]!
  const foreign = table.relkind === 'f' ? 'FOREIGN ' : ''
  return [{
    section: 'PRE_DATA', tag: `${table.name} ${col.name}`, desc: 'DEFAULT', namespace: table.namespace!.name, owner: table.owner,
    defn: `ALTER ${foreign}TABLE ONLY ${qual} ALTER COLUMN ${quoteIdent(col.name)} SET DEFAULT ${def.expr};\n`,
    drop: `ALTER ${foreign}TABLE ${qual} ALTER COLUMN ${quoteIdent(col.name)} DROP DEFAULT;\n`,
  }]
}

export function emitTableAttach(ctx: EmitContext, attach: TableAttachObject): TocEntry[] {
  if (!ctx.dumpSchema || !attach.partBound) return []
  const parent = attach.parentTable
  const part = attach.partitionTable
  return [{
    section: 'PRE_DATA', tag: attach.name, desc: 'TABLE ATTACH', namespace: attach.namespace!.name, owner: part.owner,
    defn: `ALTER TABLE ONLY ${quoteQualified(parent.namespace!.name, parent.name)} ATTACH PARTITION ${quoteQualified(part.namespace!.name, part.name)} ${attach.partBound};\n`,
  }]
}

export function emitIndex(ctx: EmitContext, index: IndexObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const table = index.table
  const schema = table.namespace!.name
  const qindex = quoteIdent(index.name)
  const qqindex = quoteQualified(schema, index.name)
  const out: TocEntry[] = []
  const isConstraint = index.constraintId !== 0
  if (!isConstraint && defined(index)) {
    let q = `${index.indexDef};\n`
    if (index.isClustered) q += `\nALTER TABLE ${quoteQualified(schema, table.name)} CLUSTER ON ${qindex};\n`
    const cols = strings(index.statCols)
    const vals = strings(index.statVals)
    cols.forEach((c, i) => (q += `ALTER INDEX ${qqindex} ALTER COLUMN ${c} SET STATISTICS ${vals[i]};\n`))
    for (const ext of ctx.dependsOnExtensions('pg_class', index.catId.oid)) q += `\nALTER INDEX ${qqindex} DEPENDS ON EXTENSION ${quoteIdent(ext)};`
    if (index.isReplIdent) q += `\nALTER TABLE ONLY ${quoteQualified(schema, table.name)} REPLICA IDENTITY USING INDEX ${qindex};\n`
    out.push({
      section: 'POST_DATA', tag: index.name, desc: 'INDEX', namespace: schema, owner: table.owner, tablespace: index.tablespace,
      defn: q,
      // A partition's index attached to a partitioned one cannot be dropped alone; it goes with its table.
      ...(index.parentIdx === 0 ? { drop: `DROP INDEX ${qqindex};\n` } : {}),
    })
  }
  if (has(index.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'INDEX', name: qindex, schema, owner: table.owner, catId: index.catId }))
  return out
}

export function emitIndexAttach(ctx: EmitContext, attach: IndexAttachObject): TocEntry[] {
  if (!ctx.dumpSchema || !defined(attach.partitionIdx)) return []
  const parent = attach.parentIdx
  const part = attach.partitionIdx
  return [{
    section: 'POST_DATA', tag: attach.name, desc: 'INDEX ATTACH', namespace: attach.namespace!.name, owner: parent.table.owner,
    defn: `ALTER INDEX ${quoteQualified(parent.namespace!.name, parent.name)} ATTACH PARTITION ${quoteQualified(part.namespace!.name, part.name)};\n`,
  }]
}

export function emitConstraint(ctx: EmitContext, con: ConstraintObject, index: IndexObject | undefined): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const out: TocEntry[] = []
  const table = con.table
  if (con.domain) {
    const domain = con.domain
    if (!con.separate) return out
    const qual = quoteQualified(domain.namespace!.name, domain.name)
    if (defined(con)) {
      out.push({
        section: 'POST_DATA', tag: `${domain.name} ${con.name}`, desc: 'CHECK CONSTRAINT', namespace: domain.namespace!.name, owner: domain.owner,
        defn: `ALTER DOMAIN ${qual}\n    ADD CONSTRAINT ${quoteIdent(con.name)} ${con.condef};\n`,
        drop: `ALTER DOMAIN ${qual} DROP CONSTRAINT ${quoteIdent(con.name)};\n`,
      })
    }
    if (has(con.dump, Component.COMMENT)) {
      out.push(...commentEntries(ctx, { type: `CONSTRAINT ${quoteIdent(con.name)} ON DOMAIN`, name: quoteIdent(domain.name), schema: domain.namespace!.name, owner: domain.owner, catId: con.catId }))
    }
    return out
  }
  if (!table) return out
  const schema = table.namespace!.name
  const qual = quoteQualified(schema, table.name)
  const foreign = table.relkind === 'f' ? 'FOREIGN ' : ''
  const tag = `${table.name} ${con.name}`
  if (con.contype === 'p' || con.contype === 'u' || con.contype === 'x') {
    if (!index) return out
    const createdByParent = con.parentExclusion !== undefined && has(con.parentExclusion.dump, Component.DEFINITION)
    let q = `ALTER ${foreign}TABLE ${con.cascades ? '' : 'ONLY '}${qual}\n    ADD CONSTRAINT ${quoteIdent(con.name)} `
    if (con.condef) q += `${con.condef};\n`
    else {
      q += con.contype === 'p' ? 'PRIMARY KEY' : 'UNIQUE'
      if (index.nullsNotDistinct && con.contype !== 'p') q += ' NULLS NOT DISTINCT'
      const name = (attnum: number) => quoteIdent(table.columns[attnum - 1]?.name ?? systemColumn(attnum))
      const keys = index.keys.slice(0, index.nKeyAttrs).filter((k) => k !== 0)
      q += ` (${keys.map(name).join(', ')}`
      if (con.period) q += ' WITHOUT OVERLAPS'
      const included = index.keys.slice(index.nKeyAttrs, index.nAttrs).filter((k) => k !== 0)
      if (index.nKeyAttrs < index.nAttrs) q += `) INCLUDE (${included.map(name).join(', ')}`
      q += ')'
      if (nonEmptyReloptions(index.reloptions)) q += ` WITH (${formatReloptions(index.reloptions, '', ctx.standardConformingStrings)})`
      if (con.deferrable) q += ` DEFERRABLE${con.deferred ? ' INITIALLY DEFERRED' : ''}`
      q += ';\n'
    }
    if (index.isClustered) q += `\nALTER TABLE ${qual} CLUSTER ON ${quoteIdent(index.name)};\n`
    if (index.isReplIdent) q += `\nALTER TABLE ONLY ${qual} REPLICA IDENTITY USING INDEX ${quoteIdent(index.name)};\n`
    for (const ext of ctx.dependsOnExtensions('pg_class', index.catId.oid)) q += `\nALTER INDEX ${quoteQualified(schema, index.name)} DEPENDS ON EXTENSION ${quoteIdent(ext)};`
    if (defined(con) && createdByParent) out.push(renameFromParent(con, con.parentExclusion!))
    if (defined(con) && !createdByParent) {
      out.push({
        section: 'POST_DATA', tag, desc: 'CONSTRAINT', namespace: schema, owner: table.owner, tablespace: index.tablespace, defn: q,
        // A partition's constraint attached to its parent's cannot be dropped alone (pg_dump 15 tries, and
        // its --clean script fails); the parent's DROP CONSTRAINT or the partition's DROP TABLE removes it.
        ...(index.parentIdx === 0 ? { drop: `ALTER ${foreign}TABLE ${con.cascades ? '' : 'ONLY '}${qual} DROP CONSTRAINT ${quoteIdent(con.name)};\n` } : {}),
      })
    }
  } else if (con.contype === 'f') {
    const only = table.relkind === 'p' ? '' : 'ONLY '
    if (defined(con)) {
      out.push({
        section: 'POST_DATA', tag, desc: 'FK CONSTRAINT', namespace: schema, owner: table.owner,
        defn: `ALTER ${foreign}TABLE ${only}${qual}\n    ADD CONSTRAINT ${quoteIdent(con.name)} ${con.condef};\n`,
        drop: `ALTER ${foreign}TABLE ${only}${qual} DROP CONSTRAINT ${quoteIdent(con.name)};\n`,
      })
    }
  } else if (con.contype === 'c' || con.contype === 'n') {
    // A separate CHECK, or (18+) a NOT VALID not-null constraint; without ONLY, so children get it too.
    if (!(con.separate && con.isLocal)) return out
    if (defined(con)) {
      out.push({
        section: 'POST_DATA', tag, desc: con.contype === 'c' ? 'CHECK CONSTRAINT' : 'CONSTRAINT', namespace: schema, owner: table.owner,
        defn: `ALTER ${foreign}TABLE ${qual}\n    ADD CONSTRAINT ${quoteIdent(con.name)} ${con.condef};\n`,
        drop: `ALTER ${foreign}TABLE ${qual} DROP CONSTRAINT ${quoteIdent(con.name)};\n`,
      })
    }
  }
  if (con.separate && has(con.dump, Component.COMMENT)) {
    out.push(...commentEntries(ctx, { type: `CONSTRAINT ${quoteIdent(con.name)} ON`, name: quoteIdent(table.name), schema, owner: table.owner, catId: con.catId }))
  }
  return out
}

/**
 * A partition's exclusion constraint comes from its parent's ADD CONSTRAINT (17+: an exclusion index cannot
 * be attached), under a name the server picks. This renames it to the partition's own name, finding it by
 * its parent constraint, since the picked name cannot be known when the dump is written.
 */
function renameFromParent(con: ConstraintObject, parent: ConstraintObject): TocEntry {
  const table = con.table!
  const parentTable = parent.table!
  const qual = quoteQualified(table.namespace!.name, table.name)
  const literal = (text: string) => quoteLiteral(text, true)
  const body = 'DECLARE picked name;\nBEGIN\n' +
    '  SELECT c.conname INTO STRICT picked FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_constraint p ON p.oid = c.conparentid\n' +
    `   WHERE c.conrelid = ${literal(qual)}::pg_catalog.regclass\n` +
    `     AND p.conrelid = ${literal(quoteQualified(parentTable.namespace!.name, parentTable.name))}::pg_catalog.regclass AND p.conname = ${literal(parent.name)};\n` +
    `  IF picked <> ${literal(con.name)} THEN\n` +
    `    EXECUTE pg_catalog.format('ALTER TABLE ${qual.replaceAll("'", "''").replaceAll('%', '%%')} RENAME CONSTRAINT %I TO %I', picked, ${literal(con.name)});\n` +
    '  END IF;\nEND'
  return {
    section: 'POST_DATA', tag: `${table.name} ${con.name}`, desc: 'CONSTRAINT', namespace: table.namespace!.name, owner: table.owner,
    defn: `DO ${quoteDollar(body, 'do')};\n`,
  }
}

function systemColumn(attnum: number): string {
  return ({ [-1]: 'ctid', [-2]: 'xmin', [-3]: 'cmin', [-4]: 'xmax', [-5]: 'cmax', [-6]: 'tableoid' } as Record<number, string>)[attnum] ?? `?column${attnum}?`
}

export function emitStatistics(ctx: EmitContext, stat: StatsExtObject): TocEntry[] {
  if (!ctx.dumpSchema || !stat.def) return []
  const schema = stat.namespace!.name
  const qual = quoteQualified(schema, stat.name)
  let q = `${stat.def};\n`
  if (stat.statTarget >= 0) q += `ALTER STATISTICS ${qual} SET STATISTICS ${stat.statTarget};\n`
  const out: TocEntry[] = []
  if (defined(stat)) out.push({ section: 'POST_DATA', tag: stat.name, desc: 'STATISTICS', namespace: schema, owner: stat.owner, defn: q, drop: `DROP STATISTICS ${qual};\n` })
  if (has(stat.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'STATISTICS', name: quoteIdent(stat.name), schema, owner: stat.owner, catId: stat.catId }))
  return out
}

const TRIGGER_STATE: Record<string, string> = { D: 'DISABLE', f: 'DISABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA', t: 'ENABLE', O: 'ENABLE' }

export function emitTrigger(ctx: EmitContext, trigger: TriggerObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const table = trigger.table
  const schema = table.namespace!.name
  const qual = quoteQualified(schema, table.name)
  const identity = `${quoteIdent(trigger.name)} ON ${qual}`
  const foreign = table.relkind === 'f' ? 'FOREIGN ' : ''
  let q = `${trigger.def};\n`
  let drop: string | undefined = `DROP TRIGGER ${identity};\n`
  for (const ext of ctx.dependsOnExtensions('pg_trigger', trigger.catId.oid)) q += `\nALTER TRIGGER ${identity} DEPENDS ON EXTENSION ${quoteIdent(ext)};`
  if (trigger.isPartitionClone) {
    // The partition inherits the trigger; only its changed enabled state needs dumping.
    q = `\nALTER ${foreign}TABLE ${qual} ${TRIGGER_STATE[trigger.enabled] ?? 'ENABLE'} TRIGGER ${quoteIdent(trigger.name)};\n`
    drop = undefined
  } else if (trigger.enabled !== 't' && trigger.enabled !== 'O') {
    q += `\nALTER ${foreign}TABLE ${qual} ${TRIGGER_STATE[trigger.enabled] ?? 'ENABLE'} TRIGGER ${quoteIdent(trigger.name)};\n`
  }
  const out: TocEntry[] = []
  if (defined(trigger)) {
    out.push({ section: 'POST_DATA', tag: `${table.name} ${trigger.name}`, desc: 'TRIGGER', namespace: schema, owner: table.owner, defn: q, ...(drop ? { drop } : {}) })
  }
  if (has(trigger.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: `TRIGGER ${quoteIdent(trigger.name)} ON`, name: quoteIdent(table.name), schema, owner: table.owner, catId: trigger.catId }))
  return out
}

export function emitRule(ctx: EmitContext, rule: RuleObject): TocEntry[] {
  if (!ctx.dumpSchema || !rule.separate) return []
  const table = rule.table
  const schema = table.namespace!.name
  const qual = quoteQualified(schema, table.name)
  const isView = rule.evType === '1' && rule.isInstead
  let cmd: string
  let drop: string
  if (isView) {
    cmd = `CREATE OR REPLACE VIEW ${qual}`
    if (nonEmptyReloptions(table.reloptions)) cmd += ` WITH (${formatReloptions(table.reloptions, '', ctx.standardConformingStrings)})`
    cmd += ` AS\n${table.viewDef}`
    if (table.checkOption) cmd += `\n  WITH ${table.checkOption} CHECK OPTION`
    cmd += ';\n'
    drop = `CREATE OR REPLACE VIEW ${qual} AS\n${dummyViewBody(ctx, table)};\n`
  } else {
    cmd = `${rule.def}\n`
    drop = `DROP RULE ${quoteIdent(rule.name)} ON ${qual};\n`
  }
  if (rule.evEnabled !== 'O') {
    const how = { A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA', D: 'DISABLE' }[rule.evEnabled as 'A']
    if (how) cmd += `ALTER TABLE ${qual} ${how} RULE ${quoteIdent(rule.name)};\n`
  }
  const out: TocEntry[] = []
  if (defined(rule)) out.push({ section: 'POST_DATA', tag: `${table.name} ${rule.name}`, desc: 'RULE', namespace: schema, owner: table.owner, defn: cmd, drop })
  if (has(rule.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: `RULE ${quoteIdent(rule.name)} ON`, name: quoteIdent(table.name), schema, owner: table.owner, catId: rule.catId }))
  return out
}

const POLICY_CMD: Record<string, string> = { '*': '', r: ' FOR SELECT', a: ' FOR INSERT', w: ' FOR UPDATE', d: ' FOR DELETE' }

export function emitPolicy(ctx: EmitContext, policy: PolicyObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const table = policy.table
  const schema = table.namespace!.name
  const qual = quoteQualified(schema, table.name)
  if (policy.polname === null) {
    if (!defined(policy)) return []
    return [{ section: 'POST_DATA', tag: table.name, desc: 'ROW SECURITY', namespace: schema, owner: table.owner, defn: `ALTER TABLE ${qual} ENABLE ROW LEVEL SECURITY;` }]
  }
  let q = `CREATE POLICY ${quoteIdent(policy.polname)} ON ${qual}${policy.permissive ? '' : ' AS RESTRICTIVE'}${POLICY_CMD[policy.cmd] ?? ''}`
  if (policy.roles !== null) q += ` TO ${policy.roles}`
  if (policy.qual !== null) q += ` USING (${policy.qual})`
  if (policy.withCheck !== null) q += ` WITH CHECK (${policy.withCheck})`
  q += ';\n'
  const out: TocEntry[] = []
  if (defined(policy)) {
    out.push({
      section: 'POST_DATA', tag: `${table.name} ${policy.polname}`, desc: 'POLICY', namespace: schema, owner: table.owner,
      defn: q, drop: `DROP POLICY ${quoteIdent(policy.polname)} ON ${qual};\n`,
    })
  }
  if (has(policy.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: `POLICY ${quoteIdent(policy.polname)} ON`, name: quoteIdent(table.name), schema, owner: table.owner, catId: policy.catId }))
  return out
}
