// Reads the whole catalog into the object graph, in pg_dump's order (getSchemaData and main):
// tables are read and locked early; per-table details only for the tables being dumped.
import { readAdditionalAcls } from './acls'
import { flagColumnOrder } from './column-order'
import { flagInheritedColumns, readColumns } from './columns'
import { readForeignKeys } from './constraints'
import type { DumpContext } from './context'
import { readDependencies } from './dependencies'
import { readExtensions } from './extensions'
import { readDefaultAcls, readForeignDataWrappers, readForeignServers } from './foreign'
import { readAggregates, readFunctions } from './functions'
import { prefetchIndexes, readIndexes } from './indexes'
import type { AsideSession } from './aside-session'
import { readInheritance, readPartitioningInfo } from './inheritance'
import { readLargeObjects } from './large-objects'
import {
  readCasts, readCollations, readConversions, readEventTriggers, readProcLanguages, readPublications, readTextSearch, readTransforms,
} from './misc-objects'
import { readNamespaces } from './namespaces'
import { readAccessMethods, readOpclassesAndFamilies, readOperators } from './operators'
import { readRoles } from './roles'
import { readSequences } from './sequences'
import {
  readExtendedStatistics, readPolicies, readPublicationMembers, readRules, readTriggers,
} from './table-children'
import {
  makeAllTableData, makeExtensionConfigData, orderDataByForeignKeys, orderExtensionConfigData, orderMatviewRefreshes,
} from './table-data'
import { markOwnedSequences, readTables } from './tables'
import { readDataSizes } from './data-sizes'
import { readSubscriptions } from './subscriptions'
import { readTypes } from './types'

export interface CatalogPlan {
  largeObjects: boolean
  /** pg_dump 17+ groups large objects and puts their metadata in the data section. */
  groupLargeObjects: boolean
  /** A second session for the slowest query (the indexes), or null to read everything on the leader. */
  aside?: AsideSession | null
}

export async function readCatalog(ctx: DumpContext, plan: CatalogPlan): Promise<void> {
  await readRoles(ctx)
  await readExtensions(ctx)
  await readNamespaces(ctx)
  await readTables(ctx, plan.aside ?? null)
  markOwnedSequences(ctx)
  // The tables are locked: the aside session can deparse their indexes while the leader reads on.
  const indexes = prefetchIndexes(ctx, plan.aside ?? null)
  await readFunctions(ctx)
  await readTypes(ctx)
  await readProcLanguages(ctx)
  await readAggregates(ctx)
  await readOperators(ctx)
  await readAccessMethods(ctx)
  await readOpclassesAndFamilies(ctx)
  await readTextSearch(ctx)
  await readForeignDataWrappers(ctx)
  await readForeignServers(ctx)
  await readDefaultAcls(ctx)
  await readCollations(ctx)
  await readConversions(ctx)
  await readCasts(ctx)
  await readTransforms(ctx)
  await readInheritance(ctx)
  await readEventTriggers(ctx)
  makeExtensionConfigData(ctx)
  await readColumns(ctx)
  flagInheritedColumns(ctx)
  flagColumnOrder(ctx)
  await readPartitioningInfo(ctx)
  await readIndexes(ctx, indexes)
  await readExtendedStatistics(ctx)
  await readForeignKeys(ctx)
  await readTriggers(ctx)
  await readRules(ctx)
  await readPolicies(ctx)
  await readPublications(ctx)
  await readPublicationMembers(ctx)
  await readSubscriptions(ctx)
  await orderExtensionConfigData(ctx)

  if (ctx.dumpData) {
    makeAllTableData(ctx)
    await readDataSizes(ctx)
    await orderMatviewRefreshes(ctx)
    if (!ctx.dumpSchema) orderDataByForeignKeys(ctx)
  }
  if (plan.largeObjects) await readLargeObjects(ctx, plan.groupLargeObjects)
  await readDependencies(ctx)
  if (!ctx.options.noPrivileges) await readAdditionalAcls(ctx)
  await readSequences(ctx)
}
