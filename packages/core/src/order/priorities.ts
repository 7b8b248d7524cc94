// Sort priority of each object kind (pg_dump_sort.c's dbObjectTypePriorities). Objects are first
// sorted by priority, then by schema and name; the dependency sort then moves as little as it can.
import type { ObjectKind } from '../model/objects'

/** pg_dump_sort.c's enum dbObjectTypePriorities from pg_dump 17 on: large-object definitions are data. */
const SLOTS_LARGE_OBJECTS_IN_DATA = [
  'NAMESPACE', 'PROCLANG', 'COLLATION', 'TRANSFORM', 'EXTENSION', 'TYPE', 'CAST', 'FUNC', 'AGG', 'ACCESS_METHOD',
  'OPERATOR', 'OPFAMILY', 'CONVERSION', 'TSPARSER', 'TSTEMPLATE', 'TSDICT', 'TSCONFIG', 'FDW', 'FOREIGN_SERVER',
  'TABLE', 'TABLE_ATTACH', 'DUMMY_TYPE', 'ATTRDEF',
  'PRE_DATA_BOUNDARY', 'TABLE_DATA', 'SEQUENCE_SET', 'LARGE_OBJECT', 'LARGE_OBJECT_DATA', 'POST_DATA_BOUNDARY',
  'CONSTRAINT', 'INDEX', 'INDEX_ATTACH', 'STATSEXT', 'RULE', 'TRIGGER', 'FK_CONSTRAINT', 'POLICY', 'PUBLICATION',
  'PUBLICATION_REL', 'PUBLICATION_TABLE_IN_SCHEMA', 'SUBSCRIPTION', 'DEFAULT_ACL', 'EVENT_TRIGGER', 'REFRESH_MATVIEW',
] as const

type Slot = (typeof SLOTS_LARGE_OBJECTS_IN_DATA)[number]

/** The same before pg_dump 17: large-object definitions are the last pre-data objects. */
const SLOTS_LARGE_OBJECTS_PRE_DATA = [
  ...SLOTS_LARGE_OBJECTS_IN_DATA.slice(0, SLOTS_LARGE_OBJECTS_IN_DATA.indexOf('PRE_DATA_BOUNDARY')),
  'LARGE_OBJECT',
  ...SLOTS_LARGE_OBJECTS_IN_DATA.slice(SLOTS_LARGE_OBJECTS_IN_DATA.indexOf('PRE_DATA_BOUNDARY')).filter((s) => s !== 'LARGE_OBJECT'),
] satisfies Slot[]

/**
 * Priorities for a given output style: before pg_dump 17, large-object definitions were pre-data;
 * from 17 on they are data. The table is pg_dump_sort.c's dbObjectTypePriority[]: every kind gets its
 * slot's rank, and some kinds share a slot (a shell type sorts as a type, an operator class as a family).
 */
export function priorities(largeObjectsInData: boolean): Record<ObjectKind, number> {
  const slots: readonly Slot[] = largeObjectsInData ? SLOTS_LARGE_OBJECTS_IN_DATA : SLOTS_LARGE_OBJECTS_PRE_DATA
  const rank = (slot: Slot): number => slots.indexOf(slot) + 1
  return {
    NAMESPACE: rank('NAMESPACE'),
    EXTENSION: rank('EXTENSION'),
    TYPE: rank('TYPE'),
    SHELL_TYPE: rank('TYPE'),
    DUMMY_TYPE: rank('DUMMY_TYPE'),
    FUNC: rank('FUNC'),
    AGG: rank('AGG'),
    OPERATOR: rank('OPERATOR'),
    ACCESS_METHOD: rank('ACCESS_METHOD'),
    OPCLASS: rank('OPFAMILY'),
    OPFAMILY: rank('OPFAMILY'),
    COLLATION: rank('COLLATION'),
    CONVERSION: rank('CONVERSION'),
    TABLE: rank('TABLE'),
    TABLE_ATTACH: rank('TABLE_ATTACH'),
    ATTRDEF: rank('ATTRDEF'),
    INDEX: rank('INDEX'),
    INDEX_ATTACH: rank('INDEX_ATTACH'),
    STATSEXT: rank('STATSEXT'),
    RULE: rank('RULE'),
    TRIGGER: rank('TRIGGER'),
    CONSTRAINT: rank('CONSTRAINT'),
    FK_CONSTRAINT: rank('FK_CONSTRAINT'),
    PROCLANG: rank('PROCLANG'),
    CAST: rank('CAST'),
    TABLE_DATA: rank('TABLE_DATA'),
    SEQUENCE_SET: rank('SEQUENCE_SET'),
    REFRESH_MATVIEW: rank('REFRESH_MATVIEW'),
    TSPARSER: rank('TSPARSER'),
    TSDICT: rank('TSDICT'),
    TSTEMPLATE: rank('TSTEMPLATE'),
    TSCONFIG: rank('TSCONFIG'),
    FDW: rank('FDW'),
    FOREIGN_SERVER: rank('FOREIGN_SERVER'),
    DEFAULT_ACL: rank('DEFAULT_ACL'),
    TRANSFORM: rank('TRANSFORM'),
    LARGE_OBJECT: rank('LARGE_OBJECT'),
    LARGE_OBJECT_DATA: rank('LARGE_OBJECT_DATA'),
    POLICY: rank('POLICY'),
    PUBLICATION: rank('PUBLICATION'),
    PUBLICATION_REL: rank('PUBLICATION_REL'),
    PUBLICATION_TABLE_IN_SCHEMA: rank('PUBLICATION_TABLE_IN_SCHEMA'),
    EVENT_TRIGGER: rank('EVENT_TRIGGER'),
    SUBSCRIPTION: rank('SUBSCRIPTION'),
    PRE_DATA_BOUNDARY: rank('PRE_DATA_BOUNDARY'),
    POST_DATA_BOUNDARY: rank('POST_DATA_BOUNDARY'),
  } satisfies Record<ObjectKind, number>
}
