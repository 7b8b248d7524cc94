// One named repair per known dependency-loop shape (pg_dump_sort.c's repairDependencyLoop): split a
// CHECK constraint or default out of its table, give a view a dummy body, postpone a function or
// matview to post-data, break a type's loop with its shell type. Unknown loops are broken
// arbitrarily with a warning, as pg_dump does.
import { Component } from '../model/components'
import type { ConstraintObject, DumpObject, TableObject, TypeObject } from '../model/objects'
import { addDependency, removeDependency } from '../model/registry'

export interface RepairContext {
  postDataBoundaryId: number
  warn(message: string): void
  describe(object: DumpObject): string
}

export function repairLoop(loop: DumpObject[], ctx: RepairContext): void {
  const n = loop.length
  const [a, b] = [loop[0]!, loop[1]]

  if (n === 2 && b) {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      // A type and one of its I/O or canonical functions: the function uses the shell type instead.
      if (x.kind === 'TYPE' && y.kind === 'FUNC') return repairTypeFunction(x, y)
      // A view and its ON SELECT rule: the view is printed with the rule inline.
      if (x.kind === 'TABLE' && (x.relkind === 'v' || x.relkind === 'm') && isSelectRuleOf(y, x)) return removeDependency(y, x.dumpId)
      // A table and its own CHECK constraint / default: keep them inline.
      if (x.kind === 'TABLE' && isCheckOf(y, x)) return removeDependency(y, x.dumpId)
      if (x.kind === 'TABLE' && y.kind === 'ATTRDEF' && y.table === x) return removeDependency(y, x.dumpId)
      if (x.kind === 'TYPE' && isDomainCheckOf(y, x)) return removeDependency(y, x.dumpId)
    }
    // A partitioned index and a partition's index.
    if (a.kind === 'INDEX' && b.kind === 'INDEX') {
      if (a.parentIdx === b.catId.oid) return removeDependency(a, b.dumpId)
      if (b.parentIdx === a.catId.oid) return removeDependency(b, a.dumpId)
    }
  }

  if (n > 2) {
    for (const view of loop) {
      if (view.kind !== 'TABLE' || view.relkind !== 'v') continue
      const rule = loop.find((r) => isSelectRuleOf(r, view))
      if (rule && rule.kind === 'RULE') {
        // A view in a longer cycle: create it with a dummy body, replace it later in post-data.
        removeDependency(view, rule.dumpId)
        view.dummyView = true
        rule.separate = true
        addDependency(rule, view.dumpId)
        addDependency(rule, ctx.postDataBoundaryId)
        return
      }
    }
    if (loop.some((o) => o.kind === 'TABLE' && o.relkind === 'm')) {
      const at = loop.findIndex((o) => o.kind === 'PRE_DATA_BOUNDARY')
      if (at >= 0) {
        const next = loop[(at + 1) % n]!
        removeDependency(loop[at]!, next.dumpId)
        if (next.kind === 'TABLE' && next.relkind === 'm') next.postponedDef = true
        return
      }
    }
    if (loop.some((o) => o.kind === 'FUNC')) {
      const at = loop.findIndex((o) => o.kind === 'PRE_DATA_BOUNDARY')
      if (at >= 0) {
        const next = loop[(at + 1) % n]!
        removeDependency(loop[at]!, next.dumpId)
        if (next.kind === 'FUNC') next.postponedDef = true
        return
      }
    }
    for (const table of loop) {
      if (table.kind !== 'TABLE') continue
      const check = loop.find((c) => isCheckOf(c, table)) as ConstraintObject | undefined
      if (check) {
        removeDependency(table, check.dumpId)
        check.separate = true
        addDependency(check, table.dumpId)
        addDependency(check, ctx.postDataBoundaryId)
        return
      }
    }
    for (const table of loop) {
      if (table.kind !== 'TABLE') continue
      const def = loop.find((d) => d.kind === 'ATTRDEF' && d.table === table)
      if (def && def.kind === 'ATTRDEF') {
        removeDependency(table, def.dumpId)
        def.separate = true
        addDependency(def, table.dumpId)
        return
      }
    }
    for (const domain of loop) {
      if (domain.kind !== 'TYPE') continue
      const check = loop.find((c) => isDomainCheckOf(c, domain)) as ConstraintObject | undefined
      if (check) {
        removeDependency(domain, check.dumpId)
        check.separate = true
        addDependency(check, domain.dumpId)
        addDependency(check, ctx.postDataBoundaryId)
        return
      }
    }
  }

  // A table depending on itself (a column on another column): ignore.
  if (n === 1 && a.kind === 'TABLE') return removeDependency(a, a.dumpId)

  if (loop.every((o) => o.kind === 'TABLE_DATA')) {
    ctx.warn(`there are circular foreign-key constraints among these tables: ${loop.map((o) => o.name).join(', ')}; a data-only restore may need triggers disabled`)
  } else {
    ctx.warn(`could not resolve dependency loop among these items: ${loop.map(ctx.describe).join('; ')}`)
  }
  if (n > 1) removeDependency(a, b!.dumpId)
  else removeDependency(a, a.dumpId)
}

function repairTypeFunction(type: TypeObject, fn: DumpObject): void {
  removeDependency(fn, type.dumpId)
  if (type.shellType) {
    addDependency(fn, type.shellType.dumpId)
    if (fn.dump) type.shellType.dump = fn.dump | Component.DEFINITION
  }
}

export function isSelectRuleOf(rule: DumpObject, view: TableObject): boolean {
  return rule.kind === 'RULE' && rule.evType === '1' && rule.isInstead && rule.table === view
}

export function isCheckOf(con: DumpObject, table: TableObject): boolean {
  return con.kind === 'CONSTRAINT' && con.contype === 'c' && con.table === table
}

export function isDomainCheckOf(con: DumpObject, domain: TypeObject): boolean {
  return con.kind === 'CONSTRAINT' && con.contype === 'c' && con.domain === domain
}
