// The PgkeepError an operation fails with, for tests that check codes and messages.
import { expect } from 'vitest'
import { isPgkeepError, type ErrorCode, type PgkeepError } from '../src/index'

/** The PgkeepError a promise (or a function's result) rejects with; fails the test when it succeeds or throws something else. */
export async function failure(promise: Promise<unknown> | (() => unknown), code?: ErrorCode): Promise<PgkeepError> {
  let outcome: unknown
  let failed = false
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    outcome = error
    failed = true
  }
  if (!failed) throw new Error('expected a PgkeepError, but it succeeded')
  if (!isPgkeepError(outcome)) throw new Error(`expected a PgkeepError, got ${String(outcome)}`, { cause: outcome })
  if (code !== undefined) expect(outcome.code, outcome.message).toBe(code)
  return outcome
}
