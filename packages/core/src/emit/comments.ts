// COMMENT ON and SECURITY LABEL entries, printed right after their object (dumpComment,
// dumpTableComment, dumpSecLabel).
import { catalogKey } from '../model/registry'
import type { CatalogId } from '../model/objects'
import type { EmitContext } from './emit-context'
import { quoteIdent, quoteLiteral } from './quote'
import type { TocEntry } from './toc-entry'

export interface CommentTarget {
  /** COMMENT ON keyword(s): TABLE, FUNCTION, CONSTRAINT x ON, … */
  type: string
  /** Name as printed, already quoted. */
  name: string
  schema: string | null
  owner: string | null
  catId: CatalogId
  subid?: number
}

/** The comment entry for an object, or nothing. `initdbComment` is the text initdb gives it. */
export function commentEntries(ctx: EmitContext, target: CommentTarget, initdbComment?: string): TocEntry[] {
  if (ctx.noComments) return []
  const isLargeObject = target.type === 'LARGE OBJECT'
  if (isLargeObject ? !ctx.dumpData : !ctx.dumpSchema) return []
  let text = (ctx.comments.get(catalogKey(target.catId)) ?? []).find((c) => c.subid === (target.subid ?? 0))?.text
  if (initdbComment !== undefined) {
    if (text === undefined) text = ''
    else if (text === initdbComment) text = undefined
  }
  if (text === undefined) return []
  return [commentEntry(ctx, target.type, target.schema, target.name, text, target.owner)]
}

export function commentEntry(ctx: EmitContext, type: string, schema: string | null, name: string, text: string, owner: string | null, tagName = name): TocEntry {
  const qualified = `${schema ? `${quoteIdent(schema)}.` : ''}${name}`
  return {
    section: 'NONE',
    tag: `${type} ${tagName}`,
    desc: 'COMMENT',
    namespace: schema,
    owner,
    defn: `COMMENT ON ${type} ${qualified} IS ${quoteLiteral(text, ctx.standardConformingStrings)};\n`,
  }
}

export function securityLabelEntries(ctx: EmitContext, target: CommentTarget): TocEntry[] {
  if (ctx.noSecurityLabels) return []
  const isLargeObject = target.type === 'LARGE OBJECT'
  if (isLargeObject ? !ctx.dumpData : !ctx.dumpSchema) return []
  const labels = (ctx.securityLabels.get(catalogKey(target.catId)) ?? []).filter((l) => l.subid === (target.subid ?? 0))
  if (labels.length === 0) return []
  const qualified = `${target.schema ? `${quoteIdent(target.schema)}.` : ''}${target.name}`
  const defn = labels
    .map((l) => `SECURITY LABEL FOR ${quoteIdent(l.provider!)} ON ${target.type} ${qualified} IS ${quoteLiteral(l.text, ctx.standardConformingStrings)};\n`)
    .join('')
  return [{ section: 'NONE', tag: `${target.type} ${target.name}`, desc: 'SECURITY LABEL', namespace: target.schema, owner: target.owner, defn }]
}
