// What a failed point-in-time replay says about the target: what it holds (the base and the whole
// transactions before the failure) while it exists, and that nothing is left once restore() dropped the
// database it created (the message said it held the base and N transactions, of a database gone).
import { describe, expect, it } from 'vitest'
import { PgkeepError } from '../../src/errors'
import { afterCreatedDropped, replayFailure } from '../../src/restore/point-in-time'

const failed = new PgkeepError('RESTORE_FAILED', 'replaying transaction 812 failed: duplicate key value', { hint: 'see the source', cause: new Error('23505') })
const done = { transactions: 1, rows: 3, lastCommitLsn: 0x1_6b3d88n, lastCommitAt: new Date('2026-12-06T19:50:04Z'), lastSegment: null }

describe('a failed replay', () => {
  it('says what the target holds while it exists', () => {
    const error = replayFailure(failed, done as never) as PgkeepError
    expect(error.message).toMatch(/^replaying transaction 812 failed: duplicate key value \(the target holds the base backup and the 1 transactions committed up to 2026-12-06T19:50:04\.000Z \(.+\), each whole; none after\)$/)
    expect(replayFailure(failed, null)).toMatchObject({ message: 'replaying transaction 812 failed: duplicate key value (the target holds the base backup; no archived transaction was replayed)' })
  })

  it('says nothing is left once the database the restore created was dropped', () => {
    const dropped = afterCreatedDropped(replayFailure(failed, done as never)) as PgkeepError
    expect(dropped).toMatchObject({
      code: 'RESTORE_FAILED',
      message: 'replaying transaction 812 failed: duplicate key value (the database the restore created was dropped again: nothing of it is left)',
      hint: 'see the source',
      cause: failed.cause,
    })
    // a failure that is not a replay's passes as it is
    expect(afterCreatedDropped(failed)).toBe(failed)
  })
})
