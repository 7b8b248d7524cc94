// Turns the include/exclude patterns into OID sets (pg_dump's expand_*_name_patterns calls in main).
// Include patterns must each match something; exclude patterns may match nothing.
import type { Selection } from '../catalog/context'
import type { ResolvedDumpOptions } from '../options'
import type { DumpSession } from '../session/dump-session'
import { expandSchemaPatterns, expandTablePatterns } from './expand-patterns'

/** `ownObjectsOnly`: include patterns match no system schema or its tables (dump()'s run option). */
export async function resolveSelection(session: DumpSession, options: ResolvedDumpOptions, ownObjectsOnly = false): Promise<Selection> {
  const schemaInclude = options.schemas.length > 0 ? await expandSchemaPatterns(session, options.schemas, true, ownObjectsOnly) : null
  const schemaExclude = await expandSchemaPatterns(session, options.excludeSchemas, false)
  const tableInclude = options.tables.length > 0 ? await expandTablePatterns(session, options.tables, true, 'tables', ownObjectsOnly) : null
  const tableExclude = await expandTablePatterns(session, options.excludeTables, false)
  const tableDataExclude = await expandTablePatterns(session, options.excludeTableData, false)
  return {
    includeEverything: schemaInclude === null && tableInclude === null,
    schemaInclude,
    schemaExclude,
    tableInclude,
    tableExclude,
    tableDataExclude,
  }
}
