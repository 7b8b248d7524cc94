// Which inheritance children would come back with another column order. `CREATE TABLE child (…) INHERITS
// (parents)` puts the parents' columns first (merged in parent order), then the child's own; a child whose
// parent gained a column after it was created, or that was attached with ALTER TABLE … INHERIT, has its
// columns in another order. Those children are written column by column and attached afterwards.
import { Component } from '../model/components'
import type { TableObject } from '../model/objects'
import type { DumpContext } from './context'

/** Flags the children whose restored column order would differ from their own (sets `attachParents`). */
export function flagColumnOrder(ctx: DumpContext): void {
  for (const table of ctx.tableList) {
    if (table.relkind !== 'r' && table.relkind !== 'f') continue
    if (!(table.dump & Component.DEFINITION) || table.parents.length === 0 || table.isPartition || table.ofType) continue
    const own = table.columns.filter((c) => !c.dropped).map((c) => c.name)
    table.attachParents = !sameOrder(own, orderAfterInherits(table))
  }
}

/** The column names, in order, that `CREATE TABLE … INHERITS` gives the table (PostgreSQL's MergeAttributes). */
export function orderAfterInherits(table: TableObject): string[] {
  const names: string[] = []
  const seen = new Set<string>()
  const add = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    names.push(name)
  }
  for (const parent of table.parents) for (const col of parent.columns) if (!col.dropped) add(col.name)
  for (const col of table.columns) if (!col.dropped && col.isLocal) add(col.name)
  return names
}

function sameOrder(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i])
}
