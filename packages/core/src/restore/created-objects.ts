// What a parallel restore into an existing database undoes when it fails: the objects it created. The
// database's user objects (OIDs from 16384 up, and every large object: lo_create takes any free OID,
// 4243 as well; none that is an extension's member) are listed before the
// restore begins; on failure, every such object not in that list is dropped (CASCADE), schemas and
// extensions last but one, large objects unlinked. What the restore changed on objects that existed
// before (a comment, an owner, a grant on schema public) is not undone; rows are, because each session
// commits its data only once every table's data is in.
import type pg from 'pg'

/** The user objects of the database before the restore: `catalog:oid`. */
export type Inventory = ReadonlySet<string>

export interface UndoResult {
  dropped: number
  /** Objects the restore created that are still there (with the reason each drop failed). */
  left: string[]
}

export async function takeInventory(client: pg.Client): Promise<Inventory> {
  const { rows } = await client.query<{ key: string }>(`SELECT catalog || ':' || oid AS key FROM (${OBJECTS}) o`)
  return new Set(rows.map((r) => r.key))
}

/** Drops what is in the database now and was not in `before`; reports what could not be dropped. */
export async function dropCreated(client: pg.Client, before: Inventory): Promise<UndoResult> {
  const result: UndoResult = { dropped: 0, left: [] }
  const list = async () => {
    const { rows } = await client.query<Row>(`
      SELECT o.catalog, o.oid::int8::text AS oid, o.kind, i.type, i.identity
        FROM (${OBJECTS}) o, LATERAL pg_catalog.pg_identify_object(o.catalog::regclass, o.oid, 0) i`)
    return rows.filter((r) => !before.has(`${r.catalog}:${r.oid}`))
  }
  const failures = new Map<string, string>()
  // Two passes: a drop refused because of another new object may pass once that one is gone.
  for (let pass = 0; pass < 2; pass++) {
    const created = (await list()).sort((a, b) => ORDER.indexOf(a.catalog) - ORDER.indexOf(b.catalog))
    if (created.length === 0) break
    for (const row of created) {
      const statements = dropStatements(row)
      if (!statements) continue
      try {
        for (const sql of statements) await client.query(sql)
        result.dropped++
        failures.delete(describe(row))
      } catch (error) {
        failures.set(describe(row), (error as Error).message)
      }
    }
  }
  for (const row of await list()) {
    if (!dropStatements(row)) continue
    const why = failures.get(describe(row))
    result.left.push(why ? `${describe(row)} (${why})` : describe(row))
  }
  return result
}

// --- internal ---

interface Row {
  catalog: string
  oid: string
  /** relkind, typtype, prokind, or '' */
  kind: string
  type: string
  identity: string
}

/** Drop order: what holds others (subscriptions, publications, event triggers) first, then objects, then their containers. */
const ORDER = [
  'pg_subscription', 'pg_publication', 'pg_event_trigger', 'pg_class', 'pg_proc', 'pg_type', 'pg_operator', 'pg_opclass', 'pg_opfamily',
  'pg_collation', 'pg_conversion', 'pg_ts_config', 'pg_ts_dict', 'pg_ts_template', 'pg_ts_parser', 'pg_statistic_ext', 'pg_cast',
  'pg_transform', 'pg_foreign_server', 'pg_foreign_data_wrapper', 'pg_namespace', 'pg_extension', 'pg_language', 'pg_am', 'pg_largeobject',
]

/** Every user object of the database: `catalog`, `oid`, `kind`. Members of extensions are left out (they go with it). */
const OBJECTS = `
  SELECT catalog, oid, kind FROM (
    SELECT 'pg_namespace' AS catalog, oid, '' AS kind FROM pg_catalog.pg_namespace
    UNION ALL SELECT 'pg_extension', oid, '' FROM pg_catalog.pg_extension
    UNION ALL SELECT 'pg_class', oid, relkind::text FROM pg_catalog.pg_class WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
    UNION ALL SELECT 'pg_proc', oid, prokind::text FROM pg_catalog.pg_proc
    UNION ALL SELECT 'pg_type', t.oid, t.typtype::text FROM pg_catalog.pg_type t
      WHERE t.typtype IN ('b', 'd', 'e', 'r', 'm') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
    UNION ALL SELECT 'pg_collation', oid, '' FROM pg_catalog.pg_collation
    UNION ALL SELECT 'pg_conversion', oid, '' FROM pg_catalog.pg_conversion
    UNION ALL SELECT 'pg_operator', oid, '' FROM pg_catalog.pg_operator
    UNION ALL SELECT 'pg_opclass', oid, '' FROM pg_catalog.pg_opclass
    UNION ALL SELECT 'pg_opfamily', oid, '' FROM pg_catalog.pg_opfamily
    UNION ALL SELECT 'pg_ts_config', oid, '' FROM pg_catalog.pg_ts_config
    UNION ALL SELECT 'pg_ts_dict', oid, '' FROM pg_catalog.pg_ts_dict
    UNION ALL SELECT 'pg_ts_parser', oid, '' FROM pg_catalog.pg_ts_parser
    UNION ALL SELECT 'pg_ts_template', oid, '' FROM pg_catalog.pg_ts_template
    UNION ALL SELECT 'pg_statistic_ext', oid, '' FROM pg_catalog.pg_statistic_ext
    UNION ALL SELECT 'pg_cast', oid, '' FROM pg_catalog.pg_cast
    UNION ALL SELECT 'pg_transform', oid, '' FROM pg_catalog.pg_transform
    UNION ALL SELECT 'pg_event_trigger', oid, '' FROM pg_catalog.pg_event_trigger
    UNION ALL SELECT 'pg_publication', oid, '' FROM pg_catalog.pg_publication
    UNION ALL SELECT 'pg_subscription', oid, '' FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
    UNION ALL SELECT 'pg_foreign_data_wrapper', oid, '' FROM pg_catalog.pg_foreign_data_wrapper
    UNION ALL SELECT 'pg_foreign_server', oid, '' FROM pg_catalog.pg_foreign_server
    UNION ALL SELECT 'pg_language', oid, '' FROM pg_catalog.pg_language
    UNION ALL SELECT 'pg_am', oid, '' FROM pg_catalog.pg_am
    UNION ALL SELECT 'pg_largeobject', oid, '' FROM pg_catalog.pg_largeobject_metadata
  ) o
  WHERE (o.oid >= 16384 OR o.catalog = 'pg_largeobject')
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                     WHERE d.classid = o.catalog::regclass AND d.objid = o.oid AND d.objsubid = 0 AND d.deptype IN ('e', 'x', 'i'))`

/** DROP keyword by pg_identify_object type, where it differs from the type in upper case. */
const KEYWORDS: Record<string, string> = {
  'composite type': 'TYPE',
  'foreign-data wrapper': 'FOREIGN DATA WRAPPER',
  'statistics object': 'STATISTICS',
}

/** The statements that drop the object, or null for objects that go with another (an index with its table). */
function dropStatements(row: Row): string[] | null {
  if (row.catalog === 'pg_largeobject') return [`SELECT pg_catalog.lo_unlink(${row.oid})`]
  if (row.catalog === 'pg_class' && !['r', 'p', 'v', 'm', 'S', 'f', 'c'].includes(row.kind)) return null
  if (row.catalog === 'pg_subscription') {
    const name = row.identity
    // created with connect = false (as dumps do): no slot to drop on the publisher
    return [`ALTER SUBSCRIPTION ${name} DISABLE`, `ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`, `DROP SUBSCRIPTION ${name}`]
  }
  let keyword = KEYWORDS[row.type] ?? row.type.toUpperCase()
  if (row.catalog === 'pg_type' && row.kind === 'd') keyword = 'DOMAIN'
  if (row.catalog === 'pg_transform') return [`DROP ${row.identity.replace(/^for /, 'TRANSFORM FOR ').replace(/ language /, ' LANGUAGE ')} CASCADE`]
  return [`DROP ${keyword} IF EXISTS ${row.identity} CASCADE`]
}

function describe(row: Row): string {
  return `${row.type} ${row.identity}`
}
