// The bucket lifecycle rule pgkeep keeps on S3: one rule per key prefix, named `pgkeep:<prefix>`. S3 has
// one lifecycle configuration per bucket and replacing it replaces every rule, so the rules of others are
// never rewritten: a bucket holding a rule pgkeep did not write is refused, with the rule to add by hand.
import { PgkeepError } from '../errors'
import type { LifecycleRule } from './driver'

export const RULE_ID_PREFIX = 'pgkeep:'

/** A rule as minio's builder writes it to XML, in the element order of S3's documentation. */
export interface S3LifecycleRule {
  ID: string
  Filter: { Prefix: string }
  Status: 'Enabled'
  Expiration?: { Days: number }
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: number }
}

export function ruleId(prefix: string): string {
  return `${RULE_ID_PREFIX}${prefix}`
}

export function s3RuleOf(prefix: string, rule: LifecycleRule): S3LifecycleRule {
  return {
    ID: ruleId(prefix),
    Filter: { Prefix: prefix },
    Status: 'Enabled',
    ...(rule.expireAfterDays !== null ? { Expiration: { Days: rule.expireAfterDays } } : {}),
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteUploadsAfterDays },
  }
}

/**
 * The bucket's rules with pgkeep's rule for `prefix` put in (or taken out, with null). `existing` is the
 * parsed configuration (minio's getBucketLifecycle: `{ Rule }`, one rule or a list; null when none).
 */
export function mergeLifecycle(existing: unknown, prefix: string, rule: LifecycleRule | null, bucket: string): S3LifecycleRule[] {
  const rules = rulesOf(existing)
  const foreign = rules.filter((r) => !String(r.ID ?? '').startsWith(RULE_ID_PREFIX))
  if (foreign.length > 0) {
    const names = foreign.map((r) => JSON.stringify(String(r.ID ?? '(no id)'))).join(', ')
    const wanted = rule ? ` Add this rule yourself: ${JSON.stringify(s3RuleOf(prefix, rule))}` : ''
    throw new PgkeepError('STORAGE_UNSUPPORTED', `bucket ${JSON.stringify(bucket)} has lifecycle rules pgkeep did not write (${names}); pgkeep leaves them alone and writes no rule there.${wanted}`)
  }
  const kept = rules.filter((r) => r.ID !== ruleId(prefix)).map(ownRule)
  return rule ? [...kept, s3RuleOf(prefix, rule)] : kept
}

// --- internal ---

type ParsedRule = Record<string, unknown> & { ID?: unknown }

function rulesOf(existing: unknown): ParsedRule[] {
  if (existing === null || existing === undefined || existing === '') return []
  const rule = (existing as { Rule?: unknown }).Rule
  if (rule === undefined) return []
  return (Array.isArray(rule) ? rule : [rule]) as ParsedRule[]
}

/** One of pgkeep's earlier rules, rebuilt from the fields pgkeep writes. */
function ownRule(parsed: ParsedRule): S3LifecycleRule {
  const id = String(parsed.ID)
  const filter = parsed.Filter as { Prefix?: unknown } | undefined
  const expiration = parsed.Expiration as { Days?: unknown } | undefined
  const abort = parsed.AbortIncompleteMultipartUpload as { DaysAfterInitiation?: unknown } | undefined
  return s3RuleOf(String(filter?.Prefix ?? id.slice(RULE_ID_PREFIX.length)), {
    expireAfterDays: expiration?.Days === undefined ? null : Number(expiration.Days),
    abortIncompleteUploadsAfterDays: abort?.DaysAfterInitiation === undefined ? 1 : Number(abort.DaysAfterInitiation),
  })
}
