// Registers a constraint object (CHECK, NOT NULL, PRIMARY KEY/UNIQUE/EXCLUDE, FOREIGN KEY, domain
// CHECK) with the defaults most of them share; each reader gives only what its kind has.
import type { CatalogId, ConstraintObject, TableObject, TypeObject } from '../model/objects'
import type { DumpContext } from './context'

export interface NewConstraint {
  kind?: ConstraintObject['kind']
  catId: CatalogId
  name: string
  contype: string
  condef: string | null
  table?: TableObject
  domain?: TypeObject
  confrelid?: number
  indexId?: number
  deferrable?: boolean
  deferred?: boolean
  period?: boolean
  isLocal?: boolean
  separate: boolean
}

export function addConstraint(ctx: DumpContext, c: NewConstraint): ConstraintObject {
  const owner = c.table ?? c.domain!
  return ctx.registry.add<ConstraintObject>({
    kind: c.kind ?? 'CONSTRAINT',
    catId: c.catId,
    name: c.name,
    namespace: owner.namespace,
    table: c.table ?? null,
    domain: c.domain ?? null,
    contype: c.contype,
    condef: c.condef,
    confrelid: c.confrelid ?? 0,
    indexId: c.indexId ?? 0,
    deferrable: c.deferrable ?? false,
    deferred: c.deferred ?? false,
    period: c.period ?? false,
    isLocal: c.isLocal ?? true,
    separate: c.separate,
    // A table's constraints follow the table's selection; a domain's keep the registry default.
    ...(c.table ? { dump: c.table.dump } : {}),
  })
}
