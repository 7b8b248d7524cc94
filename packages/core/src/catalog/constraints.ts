// Foreign keys of dumped tables (CHECK constraints come with the columns, PRIMARY KEY/UNIQUE with the
// indexes). A key on a partitioned table must wait for every INDEX ATTACH of the referenced index.
import { Component } from '../model/components'
import type { ConstraintObject, IndexObject } from '../model/objects'
import { addDependency } from '../model/registry'
import { catIdOf, int } from '../session/pg-text'
import { atLeast } from '../session/server-version'
import { oidArray, type DumpContext } from './context'
import { addConstraint } from './add-constraint'

export async function readForeignKeys(ctx: DumpContext): Promise<void> {
  // Before 18 every enforced foreign key has triggers; NOT ENFORCED ones (18) have none.
  const v18 = atLeast(ctx.session.version, 18)
  const tables = ctx.tableList.filter((t) => (v18 || t.hasTriggers || t.relkind === 'p') && (t.dump & Component.DEFINITION))
  if (tables.length === 0) return
  const rows = await ctx.session.query(
    `SELECT c.tableoid, c.oid, conrelid, conname, confrelid, conindid, pg_catalog.pg_get_constraintdef(c.oid) AS condef
       FROM unnest($1::pg_catalog.oid[]) AS src(tbloid)
       JOIN pg_catalog.pg_constraint c ON (src.tbloid = c.conrelid)
      WHERE contype = 'f' AND conparentid = 0
      ORDER BY conrelid, conname`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read foreign keys',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.conrelid))!
    const fk = addConstraint(ctx, {
      kind: 'FK_CONSTRAINT',
      catId: catIdOf(row),
      name: row.conname!,
      table,
      contype: 'f',
      condef: row.condef,
      confrelid: int(row.confrelid),
      separate: true,
    })
    const referenced = ctx.tables.get(fk.confrelid)
    if (referenced?.relkind === 'p') {
      const index = referenced.indexes.find((i) => i.catId.oid === int(row.conindid))
      if (index) addAttachDependencies(fk, index)
    }
  }
}

function addAttachDependencies(fk: ConstraintObject, index: IndexObject): void {
  for (const attach of index.partAttaches) {
    addDependency(fk, attach.dumpId)
    addAttachDependencies(fk, attach.partitionIdx)
  }
}
