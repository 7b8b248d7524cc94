// What the routes accept: UUID ids, the history limit, the backup, cleanup and restore bodies; and the
// Range header of downloads.
import { describe, expect, it } from 'vitest'
import { BackupBody, CleanupBody, HistoryQuery, IdParams, RestoreBody } from '../../src/http/bodies'
import { parseRangeHeader } from '../../src/http/byte-range'

describe('route bodies', () => {
  it('takes UUID ids only', () => {
    expect(IdParams.safeParse({ id: '4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6f' }).success).toBe(true)
    for (const id of ['1', 'not-a-uuid', '../etc/passwd', '4b0d1c8e-5f2a-4c3b-9d7e-1a2b3c4d5e6', '']) expect(IdParams.safeParse({ id }).success, id).toBe(false)
  })

  it('reads the history limit as a whole number from 1 to 1000', () => {
    expect(HistoryQuery.parse({ limit: '25' })).toEqual({ limit: 25 })
    expect(HistoryQuery.parse({})).toEqual({})
    for (const limit of ['0', '-1', '2.5', 'ten', '1001']) expect(HistoryQuery.safeParse({ limit }).success, limit).toBe(false)
  })

  it('takes table lists in the backup body and nothing else', () => {
    expect(BackupBody.parse({ tables: ['public.tenants'], excludeTables: ['audit.*'] })).toEqual({ tables: ['public.tenants'], excludeTables: ['audit.*'] })
    expect(BackupBody.safeParse({ tables: 'public.tenants' }).success).toBe(false)
    expect(BackupBody.safeParse({ tables: [''] }).success).toBe(false)
    expect(BackupBody.safeParse({ connection: 'postgres://elsewhere/db' }).success).toBe(false)
  })

  it('takes daysToKeep as a whole number of days', () => {
    expect(CleanupBody.parse({ daysToKeep: 7 })).toEqual({ daysToKeep: 7 })
    for (const daysToKeep of [-1, 1.5, '7', null]) expect(CleanupBody.safeParse({ daysToKeep }).success, String(daysToKeep)).toBe(false)
  })

  it('makes a restore say where it goes, and never takes a connection', () => {
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz', clean: true }).success).toBe(true)
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz', createDatabase: 'kostman_copy' }).success).toBe(true)
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz' }).success).toBe(false)
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz', clean: true, createDatabase: 'kostman_copy' }).success).toBe(false)
    expect(RestoreBody.safeParse({ clean: true }).success).toBe(false)
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz', createDatabase: 'a; drop database x' }).success).toBe(false)
    expect(RestoreBody.safeParse({ confirm: 'x.sql.gz', clean: true, target: 'postgres://elsewhere/db' }).success).toBe(false)
  })

  it('takes until as an ISO time with a time zone, { lsn } or { xid }, and replay as a boolean', () => {
    const at = { confirm: 'x.sql.gz', createDatabase: 'kostman_copy' }
    for (const until of ['2026-12-04T14:32:05Z', '2026-12-04T21:32:05.123+07:00', { lsn: '16/B374D848' }, { xid: 1234 }]) {
      expect(RestoreBody.parse({ ...at, until }), JSON.stringify(until)).toEqual({ ...at, until })
    }
    expect(RestoreBody.parse({ ...at, replay: false })).toEqual({ ...at, replay: false })
    for (const until of ['2026-12-04T14:32:05', 'yesterday', '', 1733322725000, { lsn: '16-B374D848' }, { xid: 1.5 }, { xid: -1 }, { lsn: '0/1', xid: 5 }]) {
      expect(RestoreBody.safeParse({ ...at, until }).success, JSON.stringify(until)).toBe(false)
    }
    expect(RestoreBody.safeParse({ ...at, replay: 'no' }).success).toBe(false)
  })
})

describe('Range header', () => {
  it('reads one range of bytes against the size', () => {
    expect(parseRangeHeader('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 })
    expect(parseRangeHeader('bytes=900-', 1000)).toEqual({ start: 900, end: 999 })
    expect(parseRangeHeader('bytes=-100', 1000)).toEqual({ start: 900, end: 999 })
    expect(parseRangeHeader('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 })
    expect(parseRangeHeader('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 })
  })

  it('answers the whole file for no header, another unit or several ranges', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=-']) expect(parseRangeHeader(header, 1000), String(header)).toBeNull()
  })

  it('says unsatisfiable for ranges outside the file', () => {
    expect(parseRangeHeader('bytes=1000-', 1000)).toBe('unsatisfiable')
    expect(parseRangeHeader('bytes=50-10', 1000)).toBe('unsatisfiable')
    expect(parseRangeHeader('bytes=-0', 1000)).toBe('unsatisfiable')
  })
})
