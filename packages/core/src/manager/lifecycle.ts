// lifecycle(): an optional bucket lifecycle rule for the backups' prefix, for S3 stores that have them.
// Retention never depends on it: cleanup() does the work and keeps its guarantees (the newest backup,
// pins). The rule is a backstop: it aborts multipart uploads a killed process left behind, and, only when
// asked, expires objects some days after the retention policy would have deleted them, for the time the
// app is not running. Expiration knows nothing of pins or of the newest backup, so it is refused while a
// backup is pinned and unless the policy is an age limit the expiration comes after.
import { PgkeepError } from '../errors'
import { parseOptions } from '../parse-options'
import type { LifecycleRule, LifecycleRuleResult } from '../storage/driver'
import { actorOf } from './audit-log'
import type { ManagerContext } from './context'
import { LifecycleOptionsSchema, type LifecycleOptions } from './lifecycle-options'

export type { LifecycleOptions } from './lifecycle-options'

export type { LifecycleRuleResult } from '../storage/driver'

export function applyLifecycle(ctx: ManagerContext, input: LifecycleOptions | undefined): Promise<LifecycleRuleResult> {
  return ctx.audited('lifecycle', actorOf(input), null, async () => {
    const o = parseOptions(LifecycleOptionsSchema, input ?? {}, 'lifecycle')
    if (!ctx.storage.setLifecycleRule) {
      throw new PgkeepError('STORAGE_UNSUPPORTED', `${ctx.storage.kind} storage has no lifecycle rules; cleanup() (or schedule()) applies the retention policy there`)
    }
    const rule: LifecycleRule | null = o.remove ? null : { abortIncompleteUploadsAfterDays: o.abortIncompleteUploadsAfterDays, expireAfterDays: o.expireAfterDays }
    if (rule?.expireAfterDays != null) await checkExpiration(ctx, rule.expireAfterDays)
    return ctx.storage.setLifecycleRule(ctx.options.keyPrefix, rule)
  }, (r) => ({ id: r.id, prefix: r.prefix, rule: r.rule }))
}

// --- internal ---

async function checkExpiration(ctx: ManagerContext, expireAfterDays: number): Promise<void> {
  const policy = ctx.options.retention
  const byCount = [policy.keepLast !== undefined ? 'keepLast' : null, policy.gfs !== undefined ? 'gfs' : null].filter(Boolean)
  if (byCount.length > 0) {
    throw new PgkeepError('OPTIONS_INVALID', `an expiration rule cannot follow a retention policy with ${byCount.join(' and ')}: the store would delete by age what the policy keeps by count; set expireAfterDays: null, or use maxAgeDays alone`)
  }
  if (policy.maxAgeDays === undefined || expireAfterDays <= policy.maxAgeDays) {
    throw new PgkeepError('OPTIONS_INVALID', `expireAfterDays (${expireAfterDays}) must be more than the retention policy's maxAgeDays (${policy.maxAgeDays ?? 'none'}), so that cleanup() decides first and the rule is only a backstop`)
  }
  for (const manifest of await ctx.index.list()) {
    if (await ctx.index.pinned(manifest)) {
      throw new PgkeepError('OPTIONS_INVALID', `backup ${manifest.id} is pinned, and an expiration rule would delete it after ${expireAfterDays} days; unpin it or set expireAfterDays: null`)
    }
  }
}
