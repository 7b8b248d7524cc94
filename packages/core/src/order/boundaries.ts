// The two section boundaries: every pre-data object comes before PRE_DATA_BOUNDARY, every data
// object between the two, every post-data object after POST_DATA_BOUNDARY (addBoundaryDependencies).
import type { BoundaryObject, DumpObject } from '../model/objects'
import { addDependency, type ObjectRegistry } from '../model/registry'

export function createBoundaries(registry: ObjectRegistry): { pre: BoundaryObject; post: BoundaryObject } {
  const pre = registry.add<BoundaryObject>({ kind: 'PRE_DATA_BOUNDARY', catId: { tableoid: 0, oid: 0 }, name: 'PRE-DATA BOUNDARY', namespace: null })
  const post = registry.add<BoundaryObject>({ kind: 'POST_DATA_BOUNDARY', catId: { tableoid: 0, oid: 0 }, name: 'POST-DATA BOUNDARY', namespace: null })
  return { pre, post }
}

export function addBoundaryDependencies(objects: readonly DumpObject[], pre: BoundaryObject, post: BoundaryObject, largeObjectsInData: boolean): void {
  for (const obj of objects) {
    switch (obj.kind) {
      case 'NAMESPACE': case 'EXTENSION': case 'TYPE': case 'SHELL_TYPE': case 'FUNC': case 'AGG': case 'OPERATOR':
      case 'ACCESS_METHOD': case 'OPCLASS': case 'OPFAMILY': case 'COLLATION': case 'CONVERSION': case 'TABLE':
      case 'TABLE_ATTACH': case 'ATTRDEF': case 'PROCLANG': case 'CAST': case 'DUMMY_TYPE': case 'TSPARSER':
      case 'TSDICT': case 'TSTEMPLATE': case 'TSCONFIG': case 'FDW': case 'FOREIGN_SERVER': case 'TRANSFORM':
        addDependency(pre, obj.dumpId)
        break
      case 'LARGE_OBJECT':
        if (largeObjectsInData) {
          addDependency(obj, pre.dumpId)
          addDependency(post, obj.dumpId)
        } else {
          addDependency(pre, obj.dumpId)
        }
        break
      case 'TABLE_DATA': case 'SEQUENCE_SET': case 'LARGE_OBJECT_DATA':
        addDependency(obj, pre.dumpId)
        addDependency(post, obj.dumpId)
        break
      case 'INDEX': case 'INDEX_ATTACH': case 'STATSEXT': case 'REFRESH_MATVIEW': case 'TRIGGER': case 'EVENT_TRIGGER':
      case 'DEFAULT_ACL': case 'POLICY': case 'PUBLICATION': case 'PUBLICATION_REL': case 'PUBLICATION_TABLE_IN_SCHEMA':
      case 'SUBSCRIPTION':
        addDependency(obj, post.dumpId)
        break
      case 'RULE':
        if (obj.separate) addDependency(obj, post.dumpId)
        break
      case 'CONSTRAINT': case 'FK_CONSTRAINT':
        if (obj.separate) addDependency(obj, post.dumpId)
        break
      case 'POST_DATA_BOUNDARY':
        addDependency(obj, pre.dumpId)
        break
      case 'PRE_DATA_BOUNDARY':
        break
    }
  }
}
