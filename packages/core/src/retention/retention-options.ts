// The retention option of the backup manager and the options of cleanup(), validated once at the edge.
import * as z from 'zod/mini'
import type { RetentionPolicy } from './policy'
import { parseOptions } from '../parse-options'

const count = z.number().check(z.int(), z.nonnegative())

export const RetentionPolicySchema = z.strictObject({
  /** Keep every backup at most this many days old. */
  maxAgeDays: z.optional(count),
  /** Keep the newest N backups. */
  keepLast: z.optional(count),
  /** Keep the newest backup of each of the last N days / ISO weeks / months / years that hold one (UTC). */
  gfs: z.optional(z.strictObject({ daily: z.optional(count), weekly: z.optional(count), monthly: z.optional(count), yearly: z.optional(count) })),
}).check(z.refine(hasRule, { message: 'set at least one of maxAgeDays, keepLast or gfs (daily, weekly, monthly, yearly)' }))

/** The policy when the manager is given none: the app's, 30 days. */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({ maxAgeDays: 30 })

function hasRule(p: RetentionPolicy): boolean {
  return p.maxAgeDays !== undefined || p.keepLast !== undefined || (p.gfs !== undefined && Object.values(p.gfs).some((n) => n !== undefined))
}

const CleanupOptionsSchema = z.strictObject({
  /** Overrides the policy's maxAgeDays for this call. */
  daysToKeep: z.optional(count),
  /** Decide, report and announce, but delete nothing. @default false */
  dryRun: z._default(z.boolean(), false),
  /**
   * How old (in minutes) an object left without its manifest, or an unfinished write of a killed process
   * (fsStorage's `.partial` files), must be before cleanup removes it. Younger ones may belong to a
   * backup still being written by a process the backup lock does not cover. @default 60
   */
  orphanAgeMinutes: z.optional(count),
  /** Who asks, for the audit trail. */
  actor: z.optional(z.nullable(z.union([z.string(), z.number()]))),
})

export type CleanupOptions = z.input<typeof CleanupOptionsSchema>
export type ResolvedCleanupOptions = z.output<typeof CleanupOptionsSchema>

export function resolveCleanupOptions(input: unknown): ResolvedCleanupOptions {
  return parseOptions(CleanupOptionsSchema, input ?? {}, 'cleanup')
}
