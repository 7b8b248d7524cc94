// mergeLifecycle(): pgkeep's rule goes into a bucket's lifecycle configuration beside its other pgkeep
// rules, replaces its own earlier version, comes out on remove, and never overwrites a foreign rule.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/index'
import { mergeLifecycle, s3RuleOf } from '../../src/storage/s3-lifecycle'

const ABORT_ONLY = { abortIncompleteUploadsAfterDays: 1, expireAfterDays: null }
const EXPIRE_45 = { abortIncompleteUploadsAfterDays: 2, expireAfterDays: 45 }

describe('s3RuleOf', () => {
  it('writes the abort rule, and the expiration only when asked', () => {
    expect(s3RuleOf('backups/', ABORT_ONLY)).toEqual({
      ID: 'pgkeep:backups/', Filter: { Prefix: 'backups/' }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    })
    expect(s3RuleOf('kost/backups/', EXPIRE_45)).toEqual({
      ID: 'pgkeep:kost/backups/', Filter: { Prefix: 'kost/backups/' }, Status: 'Enabled', Expiration: { Days: 45 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
    })
  })
})

describe('mergeLifecycle', () => {
  // what minio's parser returns: one rule as an object, several as a list; numbers as the XML had them
  const parsedOwn = (prefix: string, days?: number) => ({
    ID: `pgkeep:${prefix}`, Status: 'Enabled', Filter: { Prefix: prefix },
    ...(days ? { Expiration: { Days: String(days) } } : {}), AbortIncompleteMultipartUpload: { DaysAfterInitiation: '3' },
  })

  it.each([null, undefined, '', {}])('starts a bucket without configuration (%j) with the one rule', (existing) => {
    expect(mergeLifecycle(existing, 'backups/', ABORT_ONLY, 'kost')).toEqual([s3RuleOf('backups/', ABORT_ONLY)])
  })

  it('keeps the rules of other prefixes, rebuilt with their values, and replaces its own', () => {
    const existing = { Rule: [parsedOwn('other/', 90), parsedOwn('backups/')] }
    expect(mergeLifecycle(existing, 'backups/', EXPIRE_45, 'kost')).toEqual([
      s3RuleOf('other/', { abortIncompleteUploadsAfterDays: 3, expireAfterDays: 90 }),
      s3RuleOf('backups/', EXPIRE_45),
    ])
    expect(mergeLifecycle({ Rule: parsedOwn('backups/', 60) }, 'backups/', ABORT_ONLY, 'kost')).toEqual([s3RuleOf('backups/', ABORT_ONLY)])
  })

  it('removes only its own rule', () => {
    expect(mergeLifecycle({ Rule: [parsedOwn('other/'), parsedOwn('backups/', 40)] }, 'backups/', null, 'kost')).toEqual([
      s3RuleOf('other/', { abortIncompleteUploadsAfterDays: 3, expireAfterDays: null }),
    ])
    expect(mergeLifecycle({ Rule: parsedOwn('backups/', 40) }, 'backups/', null, 'kost')).toEqual([])
  })

  it('refuses a bucket with a rule pgkeep did not write, naming it and giving the rule to add by hand', () => {
    const existing = { Rule: [parsedOwn('backups/'), { ID: 'logs-30d', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: '30' } }] }
    let error: unknown
    try {
      mergeLifecycle(existing, 'backups/', EXPIRE_45, 'kost')
    } catch (e) {
      error = e
    }
    expect(isPgkeepError(error) && error.code).toBe('STORAGE_UNSUPPORTED')
    expect((error as Error).message).toContain('bucket "kost" has lifecycle rules pgkeep did not write ("logs-30d")')
    expect((error as Error).message).toContain(JSON.stringify(s3RuleOf('backups/', EXPIRE_45)))
    expect(() => mergeLifecycle({ Rule: { Status: 'Enabled' } }, 'backups/', null, 'kost')).toThrow('("(no id)")')
  })
})
