// Inheritance and partitioning: parents of each table, TABLE ATTACH objects for partitions, and the
// partitioned tables whose rows must be loaded through the root (hash on an enum).
import { Component } from '../model/components'
import type { TableAttachObject } from '../model/objects'
import { addDependency } from '../model/registry'
import { PgkeepError } from '../errors'
import type { DumpContext } from './context'

export async function readInheritance(ctx: DumpContext): Promise<void> {
  const rows = await ctx.session.query(
    'SELECT inhrelid, inhparent, inhseqno FROM pg_catalog.pg_inherits ORDER BY inhrelid, inhseqno',
    [], 'read inheritance',
  )
  for (const row of rows) {
    const child = ctx.tables.get(Number(row.inhrelid))
    const parent = ctx.tables.get(Number(row.inhparent))
    if (child && parent) child.parents.push(parent)
  }
  // Parents of interesting tables must be read too, to tell inherited columns from local ones.
  const mark = (table: (typeof ctx.tableList)[number]) => {
    for (const parent of table.parents) {
      if (!parent.interesting) {
        parent.interesting = true
        mark(parent)
      }
    }
  }
  for (const table of ctx.tableList) if (table.interesting) mark(table)

  for (const table of ctx.tableList) {
    if (!(table.dump & Component.DEFINITION) || !table.isPartition) continue
    if (table.parents.length !== 1) {
      throw new PgkeepError('CATALOG_QUERY_FAILED', `invalid number of parents ${table.parents.length} for partition "${table.name}"`)
    }
    const attach = ctx.registry.add<TableAttachObject>({
      kind: 'TABLE_ATTACH',
      catId: { tableoid: 0, oid: 0 },
      name: table.name,
      namespace: table.namespace,
      parentTable: table.parents[0]!,
      partitionTable: table,
    })
    attach.dump = Component.ALL
    addDependency(attach, table.dumpId)
    addDependency(attach, table.parents[0]!.dumpId)
  }
}

export async function readPartitioningInfo(ctx: DumpContext): Promise<void> {
  if (!ctx.dumpData) return
  const rows = await ctx.session.query(
    `SELECT partrelid FROM pg_catalog.pg_partitioned_table
      WHERE (SELECT c.oid FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a ON c.opcmethod = a.oid
              WHERE opcname = 'enum_ops' AND opcnamespace = 'pg_catalog'::pg_catalog.regnamespace AND amname = 'hash') = ANY(partclass)`,
    [], 'read partitioning schemes',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.partrelid))
    if (table) table.unsafePartitions = true
  }
}
