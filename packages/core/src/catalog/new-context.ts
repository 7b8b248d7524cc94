// A fresh DumpContext for one dump: empty lookup tables, filled by the catalog readers in order.
import { ObjectRegistry } from '../model/registry'
import type { ResolvedDumpOptions } from '../options'
import type { DumpSession } from '../session/dump-session'
import type { DumpContext, Selection } from './context'
import { TypeTable } from './type-table'

export function newDumpContext(session: DumpSession, options: ResolvedDumpOptions, selection: Selection): DumpContext {
  const registry = new ObjectRegistry()
  return {
    session,
    options,
    registry,
    selection,
    dumpSchema: !options.dataOnly,
    dumpData: !options.schemaOnly,
    roles: new Map(),
    namespaces: new Map(),
    tables: new Map(),
    tableList: [],
    types: new TypeTable(registry),
    functions: new Map(),
    operators: new Map(),
    collations: new Map(),
    publications: new Map(),
    extensions: [],
    extensionMembers: new Map(),
    largeObjectGroups: new Map(),
    warnings: [],
  }
}
