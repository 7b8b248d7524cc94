// The skip convention of the test suites: a test that cannot run here skips at run time with a reason,
// `ctx.skip(condition, reason)` in the test or `skipAllWhen(reason)` for every test of a describe, never
// with `it.skipIf`/`describe.skipIf` (those leave no reason). skip-reporter.ts lists every skip with its
// reason, and under CI=true fails on one that allowed-skips.ts does not list.
import { beforeEach } from 'vitest'

/**
 * Skips every test of the enclosing describe (or of the file, at top level) with `reason`, when there
 * is one. The describe's beforeAll hooks still run: guard them with the same reason.
 * @example
 * const noPsql = (await hasPsql()) ? undefined : 'psql is not on PATH (apt-get install postgresql-client)'
 * describe('psql helpers', () => {
 *   skipAllWhen(noPsql)
 *   beforeAll(async () => { if (noPsql) return; ... })
 * })
 */
export function skipAllWhen(reason: string | undefined): void {
  beforeEach((ctx) => {
    if (reason !== undefined) ctx.skip(reason)
  })
}
