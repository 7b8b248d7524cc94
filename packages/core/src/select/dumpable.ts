// Which objects get dumped, and which parts of them: pg_dump's selectDumpable* policy, including
// extension membership (members are recreated by CREATE EXTENSION; only changed ACLs are kept).
import { Component } from '../model/components'
import { addDependency, catalogKey } from '../model/registry'
import type { BaseObject, ExtensionObject, NamespaceObject, TableObject, TypeObject } from '../model/objects'
import { PG_TYPE } from '../catalog/type-table'
import { LAST_BUILTIN_OID, type DumpContext } from '../catalog/context'

/** Marks an extension member; returns true when membership decided its fate. */
export function checkExtensionMembership(ctx: DumpContext, object: BaseObject): boolean {
  const ext = ctx.extensionMembers.get(catalogKey(object.catId))
  if (!ext) return false
  object.extMember = true
  addDependency(object, ext.dumpId)
  object.dump = ext.dumpContains & Component.ACL
  return true
}

export function selectNamespace(ctx: DumpContext, ns: NamespaceObject): void {
  const { selection } = ctx
  ns.create = true
  if (selection.tableInclude) {
    ns.dump = ns.dumpContains = Component.NONE
  } else if (selection.schemaInclude) {
    ns.dump = ns.dumpContains = selection.schemaInclude.has(ns.catId.oid) ? Component.ALL : Component.NONE
  } else if (ns.name === 'pg_catalog') {
    // Only ACL changes against pg_init_privs are of interest in pg_catalog.
    ns.dump = ns.dumpContains = Component.ACL
  } else if (ns.name.startsWith('pg_') || ns.name === 'information_schema') {
    ns.dump = ns.dumpContains = Component.NONE
  } else if (ns.name === 'public') {
    // initdb creates it: its "definition" is a comment plus ownership, omitted for the default owner.
    ns.create = false
    ns.dump = Component.ALL
    if (ns.ownerOid === PG_DATABASE_OWNER_OID) ns.dump &= ~Component.DEFINITION
    ns.dumpContains = Component.ALL
    ns.components |= Component.COMMENT
  } else {
    ns.dump = ns.dumpContains = Component.ALL
  }
  if (ns.dumpContains && selection.schemaExclude.has(ns.catId.oid)) ns.dump = ns.dumpContains = Component.NONE
  checkExtensionMembership(ctx, ns)
}

/** The pg_database_owner role (15+), default owner of the public schema. */
export const PG_DATABASE_OWNER_OID = 6171

export function selectTable(ctx: DumpContext, table: TableObject): void {
  if (checkExtensionMembership(ctx, table)) return
  const { selection } = ctx
  if (selection.tableInclude) {
    table.dump = selection.tableInclude.has(table.catId.oid) ? Component.ALL : Component.NONE
  } else {
    table.dump = table.namespace!.dumpContains
  }
  if (table.dump && selection.tableExclude.has(table.catId.oid)) table.dump = Component.NONE
}

export function selectType(ctx: DumpContext, type: TypeObject): void {
  // Table row types and auto-generated arrays/multiranges are never dumped as such.
  if ((type.typrelid !== 0 && type.typrelkind !== 'c') || type.isArray || type.isMultirange) type.kind = 'DUMMY_TYPE'
  const dump = neverDumpedTypeDump(ctx, type.catId.oid, type)
  if (dump !== null) {
    type.dump = dump
    return
  }
  if (checkExtensionMembership(ctx, type)) return
  type.dump = type.namespace!.dumpContains
}

/**
 * The `dump` flags selectType gives a type that is never dumped as such (a table's row type, an array
 * or multirange type), or null where selectType decides otherwise: any other type, and an extension
 * member, whose membership also adds a dependency.
 */
export function neverDumpedTypeDump(
  ctx: DumpContext,
  oid: number,
  type: { namespace: NamespaceObject | null; typrelid: number; typrelkind: string; isArray: boolean; typtype: string },
): number | null {
  if (type.typrelid !== 0 && type.typrelkind !== 'c') return ctx.tables.get(type.typrelid)?.dump ?? Component.NONE
  if (!type.isArray && type.typtype !== 'm') return null
  if (ctx.extensionMembers.has(catalogKey({ tableoid: PG_TYPE, oid }))) return null
  return type.namespace!.dumpContains
}

export function selectExtension(ctx: DumpContext, ext: ExtensionObject): void {
  if (ext.catId.oid <= LAST_BUILTIN_OID) {
    ext.dump = ext.dumpContains = Component.ACL
    return
  }
  ext.dump = ext.dumpContains = ctx.selection.includeEverything ? Component.ALL : Component.NONE
}

/** Objects with a namespace follow it; the rest are dumped only when dumping everything. */
export function selectObject(ctx: DumpContext, object: BaseObject): void {
  if (checkExtensionMembership(ctx, object)) return
  object.dump = object.namespace
    ? object.namespace.dumpContains
    : ctx.selection.includeEverything ? Component.ALL : Component.NONE
}

/** Casts, access methods: initdb's are never dumped (they cannot carry ACLs). */
export function selectBuiltinByOid(ctx: DumpContext, object: BaseObject): void {
  if (checkExtensionMembership(ctx, object)) return
  object.dump = object.catId.oid <= LAST_BUILTIN_OID || !ctx.selection.includeEverything ? Component.NONE : Component.ALL
}

export function selectProcLang(ctx: DumpContext, object: BaseObject): void {
  if (checkExtensionMembership(ctx, object)) return
  if (!ctx.selection.includeEverything) object.dump = Component.NONE
  else object.dump = object.catId.oid <= LAST_BUILTIN_OID ? Component.ACL : Component.ALL
}
