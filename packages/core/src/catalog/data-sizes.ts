// Sizes on disk of the tables whose rows are dumped, for a progress estimate that does not depend on
// VACUUM having updated relpages. Asked only for tables already locked by the dump (the size functions
// lock what they measure).
import { oidArray, type DumpContext } from './context'

export async function readDataSizes(ctx: DumpContext): Promise<void> {
  const tables = ctx.tableList.filter((t) => t.dataObj && (t.relkind === 'r' || t.relkind === 'p'))
  if (tables.length === 0) return
  const rows = await ctx.session.query(
    `SELECT c.oid, pg_catalog.pg_relation_size(c.oid) + COALESCE(pg_catalog.pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS bytes
       FROM pg_catalog.pg_class c WHERE c.oid = ANY ($1::pg_catalog.oid[])`,
    [oidArray(tables.map((t) => t.catId.oid))], 'read table sizes',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.oid))
    if (table) table.diskBytes = Number(row.bytes ?? 0)
  }
}
