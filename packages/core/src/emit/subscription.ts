// CREATE SUBSCRIPTION … WITH (connect = false, …) (dumpSubscription): restored disabled and
// unconnected; an administrator enables it once the publisher side is ready.
import { Component, has } from '../model/components'
import type { SimpleOwnedObject } from '../model/objects'
import { commentEntries, securityLabelEntries } from './comments'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral } from './quote'
import type { TocEntry } from './toc-entry'

export function emitSubscription(ctx: EmitContext, sub: SimpleOwnedObject): TocEntry[] {
  if (!ctx.dumpSchema) return []
  const i = sub.info as {
    conninfo: string; slotName: string | null; syncCommit: string; publications: string[]; binary: boolean; stream: string
    twoPhase: string; disableOnError: boolean; passwordRequired: boolean; runAsOwner: boolean; origin: string; failover: boolean
  }
  const lit = (s: string) => quoteLiteral(s, ctx.standardConformingStrings)
  const q = quoteIdent(sub.name)
  let defn = `CREATE SUBSCRIPTION ${q} CONNECTION ${lit(i.conninfo)} PUBLICATION ${i.publications.map(quoteIdent).join(', ')}`
  defn += ` WITH (connect = false, slot_name = ${i.slotName === null ? 'NONE' : lit(i.slotName)}`
  if (i.binary) defn += ', binary = true'
  if (i.stream === 't') defn += ', streaming = on'
  else if (i.stream === 'p') defn += ', streaming = parallel'
  // 18 made parallel the default, so "off" must now be said.
  else if (ctx.flavour >= 18) defn += ', streaming = off'
  if (i.twoPhase !== 'd') defn += ', two_phase = on'
  if (i.disableOnError) defn += ', disable_on_error = true'
  if (!i.passwordRequired) defn += ', password_required = false'
  if (i.runAsOwner) defn += ', run_as_owner = true'
  if (i.failover) defn += ', failover = true'
  if (i.syncCommit !== 'off') defn += `, synchronous_commit = ${quoteIdent(i.syncCommit)}`
  if (i.origin.toLowerCase() !== 'any') defn += `, origin = ${i.origin}`
  defn += ');\n'
  const out: TocEntry[] = []
  if (has(sub.dump, Component.DEFINITION)) {
    out.push({ section: 'POST_DATA', tag: sub.name, desc: 'SUBSCRIPTION', namespace: null, owner: sub.owner, defn, drop: `DROP SUBSCRIPTION ${q};\n` })
  }
  if (has(sub.dump, Component.COMMENT)) out.push(...commentEntries(ctx, { type: 'SUBSCRIPTION', name: q, schema: null, owner: sub.owner, catId: sub.catId }))
  if (has(sub.dump, Component.SECLABEL)) out.push(...securityLabelEntries(ctx, { type: 'SUBSCRIPTION', name: q, schema: null, owner: sub.owner, catId: sub.catId }))
  return out
}
