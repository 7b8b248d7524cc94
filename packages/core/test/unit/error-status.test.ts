// The error-code → HTTP status table the adapters read, and the refusal predicate the audit trail uses.
// Every code having a status is enforced by `satisfies Record<ErrorCode, number>` at compile time; this
// checks the mappings the adapters' tests rely on, by hand, and the fallbacks.
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, ERROR_STATUS, PgkeepError, httpStatusOf, isRefusal } from '../../src/index'

describe('ERROR_STATUS and httpStatusOf', () => {
  it('has exactly one status, 400 to 599, for every code', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort())
    for (const code of ERROR_CODES) {
      expect(ERROR_STATUS[code], code).toBeGreaterThanOrEqual(400)
      expect(ERROR_STATUS[code], code).toBeLessThan(600)
    }
  })

  it.each([
    ['RATE_LIMITED', 429],
    ['BACKUP_NOT_FOUND', 404],
    ['STORAGE_NOT_FOUND', 404],
    ['OPTIONS_INVALID', 400],
    ['PATTERN_NO_MATCH', 400],
    ['CONFLICT', 409],
    ['TARGET_NOT_EMPTY', 409],
    ['SIZE_LIMIT_EXCEEDED', 413],
    ['STORAGE_UNREACHABLE', 503],
    ['CONNECT_FAILED', 503],
    ['LOCK_TIMEOUT', 503],
    ['STORAGE_UNSUPPORTED', 501],
    ['ABORTED', 400],
    // The database role's privilege, not the HTTP caller's.
    ['PERMISSION_DENIED', 500],
    ['INTERNAL', 500],
    ['COPY_FAILED', 500],
    ['STORAGE_ACCESS_DENIED', 500],
  ] as const)('maps %s to %i', (code, status) => {
    expect(httpStatusOf(new PgkeepError(code, 'x'))).toBe(status)
  })

  it('gives 500 for anything that is not a PgkeepError', () => {
    for (const thrown of [new Error('boom'), new TypeError('x'), 'a string', null, undefined, { code: 'RATE_LIMITED' }, Object.assign(new Error('e'), { code: 'BACKUP_NOT_FOUND' })]) {
      expect(httpStatusOf(thrown)).toBe(500)
    }
  })
})

describe('isRefusal', () => {
  it('holds for "not allowed, not now, no such thing", not for failures', () => {
    expect(ERROR_CODES.filter(isRefusal).sort()).toEqual(['BACKUP_NOT_FOUND', 'CONFLICT', 'OPTIONS_INVALID', 'PATTERN_NO_MATCH', 'RATE_LIMITED', 'TARGET_NOT_EMPTY'])
    // Every refusal is the caller's to fix: a 4xx status.
    for (const code of ERROR_CODES.filter(isRefusal)) expect(ERROR_STATUS[code], code).toBeLessThan(500)
  })
})
