// replicationError(): a slot the server invalidated (max_slot_wal_keep_size) is not mistaken for
// wal_level = replica, which shares its SQLSTATE 55000. The errors as PostgreSQL 15 and 16+ send them.
import { describe, expect, it } from 'vitest'
import { replicationError } from '../../src/logical/replication-slot'

function pgError(message: string, detail?: string): Error {
  return Object.assign(new Error(message), { code: '55000', ...(detail ? { detail } : {}) })
}

describe('replicationError', () => {
  it('says that an invalidated slot can never stream again and what the next start does', () => {
    for (const error of [
      pgError('cannot read from logical replication slot "pgkeep_shop"', 'This slot has been invalidated because it exceeded the maximum reserved size.'),
      pgError('can no longer get changes from replication slot "pgkeep_shop"', 'This slot has been invalidated because it exceeded the maximum reserved size.'),
    ]) {
      const e = replicationError(error, 'stream the replication slot pgkeep_shop')
      expect(e.code).toBe('SERVER_LIMIT')
      expect(e.message).toMatch(/pgkeep_shop.*\(This slot has been invalidated because it exceeded the maximum reserved size\.\)$/)
      expect(e.hint).toMatch(/max_slot_wal_keep_size.*next start of the archiver drops it and begins a new chain/)
      expect(e.hint).not.toMatch(/wal_level/)
    }
  })

  it('keeps the wal_level hint for wal_level = replica', () => {
    const e = replicationError(pgError('logical decoding requires wal_level >= logical'), 'create the replication slot pgkeep_shop')
    expect(e).toMatchObject({ code: 'SERVER_LIMIT', hint: expect.stringMatching(/needs wal_level = logical/) })
  })
})
