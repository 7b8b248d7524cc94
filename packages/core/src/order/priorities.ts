// Sort priority of each object kind (pg_dump_sort.c's dbObjectTypePriorities). Objects are first
// sorted by priority, then by schema and name; the dependency sort then moves as little as it can.
import type { ObjectKind } from '../model/objects'

const PRE_DATA: ObjectKind[] = [
  'NAMESPACE', 'PROCLANG', 'COLLATION', 'TRANSFORM', 'EXTENSION', 'TYPE', 'CAST', 'FUNC', 'AGG', 'ACCESS_METHOD',
  'OPERATOR', 'OPFAMILY', 'CONVERSION', 'TSPARSER', 'TSTEMPLATE', 'TSDICT', 'TSCONFIG', 'FDW', 'FOREIGN_SERVER',
  'TABLE', 'TABLE_ATTACH', 'DUMMY_TYPE', 'ATTRDEF',
]
const POST_DATA: ObjectKind[] = [
  'CONSTRAINT', 'INDEX', 'INDEX_ATTACH', 'STATSEXT', 'RULE', 'TRIGGER', 'FK_CONSTRAINT', 'POLICY', 'PUBLICATION',
  'PUBLICATION_REL', 'PUBLICATION_TABLE_IN_SCHEMA', 'SUBSCRIPTION', 'DEFAULT_ACL', 'EVENT_TRIGGER', 'REFRESH_MATVIEW',
]

/** Kinds that share another kind's priority. */
const SAME_AS: Partial<Record<ObjectKind, ObjectKind>> = { SHELL_TYPE: 'TYPE', OPCLASS: 'OPFAMILY' }

/**
 * Priorities for a given output style: before pg_dump 17, large-object definitions were pre-data;
 * from 17 on they are data.
 */
export function priorities(largeObjectsInData: boolean): Record<ObjectKind, number> {
  const order: ObjectKind[] = largeObjectsInData
    ? [...PRE_DATA, 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST_DATA]
    : [...PRE_DATA, 'LARGE_OBJECT', 'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY', ...POST_DATA]
  const result = {} as Record<ObjectKind, number>
  order.forEach((kind, i) => (result[kind] = i + 1))
  for (const [kind, same] of Object.entries(SAME_AS)) result[kind as ObjectKind] = result[same]!
  return result
}
