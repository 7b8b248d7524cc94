// Turns one sorted object into its TOC entries (pg_dump's dumpDumpableObject): components that do
// not exist are dropped from the request first, then the kind's emitter runs.
import type { DumpObject, IndexObject } from '../model/objects'
import type { EmitContext } from './emit-context'
import { emitLargeObject, emitLargeObjectData, emitMatviewRefresh, emitTableData } from './data'
import { emitAggregate, emitFunction } from './functions'
import {
  emitCollation, emitConversion, emitDefaultAcl, emitEventTrigger, emitForeignDataWrapper, emitForeignServer, emitOperator,
  emitPublication, emitPublicationMember, emitTextSearch, emitTransform,
} from './misc-objects'
import { emitOpclass, emitOpfamily } from './operator-classes'
import { emitAccessMethod, emitCast, emitExtension, emitNamespace, emitProcLanguage } from './schema-objects'
import { emitSequenceSet } from './sequence'
import { emitTable } from './table'
import {
  emitAttrDef, emitConstraint, emitIndex, emitIndexAttach, emitPolicy, emitRule, emitStatistics, emitTableAttach, emitTrigger,
} from './table-parts'
import type { TocEntry } from './toc-entry'
import { emitSubscription } from './subscription'
import { emitShellType, emitType } from './types'

export interface EmitAllContext extends EmitContext {
  loadViaPartitionRoot: boolean
  lookup(dumpId: number): DumpObject | undefined
  largeObjectOids: number[]
  /** Kinds pgkeep reads but cannot write yet; reported once each. */
  unsupported(kind: string, name: string): void
}

export function emitObject(ctx: EmitAllContext, object: DumpObject): TocEntry[] {
  object.dump &= object.components
  if (object.dump === 0) return []
  switch (object.kind) {
    case 'NAMESPACE': return emitNamespace(ctx, object)
    case 'EXTENSION': return emitExtension(ctx, object)
    case 'TYPE': return emitType(ctx, object)
    case 'SHELL_TYPE': return emitShellType(ctx, object)
    case 'FUNC': return emitFunction(ctx, object)
    case 'AGG': return emitAggregate(ctx, object)
    case 'OPERATOR': return emitOperator(ctx, object)
    case 'ACCESS_METHOD': return emitAccessMethod(ctx, object)
    case 'OPCLASS': return emitOpclass(ctx, object)
    case 'OPFAMILY': return emitOpfamily(ctx, object)
    case 'COLLATION': return emitCollation(ctx, object)
    case 'CONVERSION': return emitConversion(ctx, object)
    case 'TABLE': return emitTable(ctx, object)
    case 'TABLE_ATTACH': return emitTableAttach(ctx, object)
    case 'ATTRDEF': return emitAttrDef(ctx, object)
    case 'INDEX': return emitIndex(ctx, object)
    case 'INDEX_ATTACH': return emitIndexAttach(ctx, object)
    case 'STATSEXT': return emitStatistics(ctx, object)
    case 'RULE': return emitRule(ctx, object)
    case 'TRIGGER': return emitTrigger(ctx, object)
    case 'CONSTRAINT': case 'FK_CONSTRAINT':
      return emitConstraint(ctx, object, object.indexId ? (ctx.lookup(object.indexId) as IndexObject | undefined) : undefined)
    case 'PROCLANG': return emitProcLanguage(ctx, object)
    case 'CAST': return emitCast(ctx, object)
    case 'TABLE_DATA': return emitTableData(ctx, object)
    case 'SEQUENCE_SET': return emitSequenceSet(ctx, object)
    case 'REFRESH_MATVIEW': return emitMatviewRefresh(ctx, object)
    case 'TSPARSER': case 'TSDICT': case 'TSTEMPLATE': case 'TSCONFIG': return emitTextSearch(ctx, object)
    case 'FDW': return emitForeignDataWrapper(ctx, object)
    case 'FOREIGN_SERVER': return emitForeignServer(ctx, object)
    case 'DEFAULT_ACL': return emitDefaultAcl(ctx, object)
    case 'TRANSFORM': return emitTransform(ctx, object)
    case 'LARGE_OBJECT': return emitLargeObject(ctx, object)
    case 'LARGE_OBJECT_DATA': return emitLargeObjectData(ctx, object, ctx.largeObjectOids)
    case 'POLICY': return emitPolicy(ctx, object)
    case 'PUBLICATION': return emitPublication(ctx, object)
    case 'PUBLICATION_REL': case 'PUBLICATION_TABLE_IN_SCHEMA': return emitPublicationMember(ctx, object)
    case 'EVENT_TRIGGER': return emitEventTrigger(ctx, object)
    case 'SUBSCRIPTION': return emitSubscription(ctx, object)
    case 'DUMMY_TYPE': case 'PRE_DATA_BOUNDARY': case 'POST_DATA_BOUNDARY': return []
  }
}
