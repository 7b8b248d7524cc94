// restore options' `until` and `replay`: the forms a point in time takes (a Date, an ISO string with a time
// zone as JSON brings it, { lsn }, { xid }), what they cannot be combined with, and the engine's refusal of
// until for a script that is not a stored base backup.
import { describe, expect, it } from 'vitest'
import { restore } from '../../src/restore/restore'
import { resolveRestoreOptions } from '../../src/restore/restore-options'
import { pastTarget } from '../../src/logical/replay-archive'
import { dateToPgTime } from '../../src/logical/lsn'

describe('restore option until', () => {
  it('takes a Date, an ISO time with a zone (as a Date), a WAL position and a transaction id', () => {
    const at = new Date('2026-12-04T14:32:05.123Z')
    expect(resolveRestoreOptions({ until: at }).until).toEqual(at)
    expect(resolveRestoreOptions({ until: '2026-12-04T21:32:05.123+07:00' }).until).toEqual(at)
    expect(resolveRestoreOptions({ until: { lsn: '16/B374D848' } }).until).toEqual({ lsn: '16/B374D848' })
    expect(resolveRestoreOptions({ until: { xid: 1234 } }).until).toEqual({ xid: 1234 })
    expect(resolveRestoreOptions({ replay: false }).replay).toBe(false)
  })

  it('refuses other values and combinations, naming until', () => {
    for (const until of [new Date(Number.NaN), '2026-12-04T14:32:05', 'soon', 5, { lsn: '16:B374D848' }, { xid: 0 }, { xid: 2 ** 32 }, { xid: 3, lsn: '0/1' }]) {
      expect(() => resolveRestoreOptions({ until }), JSON.stringify(until)).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('until') }))
    }
    const at = new Date('2026-12-04T14:32:05Z')
    expect(() => resolveRestoreOptions({ until: at, replay: false })).toThrow(/replay: false/)
    expect(() => resolveRestoreOptions({ until: at, tables: ['public.bills'] })).toThrow(/cannot be used with tables/)
    expect(() => resolveRestoreOptions({ until: at, schemaOnly: true })).toThrow(/cannot be used with schemaOnly/)
  })

  it('is refused by restore() on a script: only backups.restore() has an archive to replay', async () => {
    await expect(restore(Buffer.from('SELECT 1;\n'), { until: new Date() })).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('backups.restore(id, { until })') })
  })

  it('replays a transaction committed within the target millisecond, and none after it', () => {
    const at = new Date('2026-12-04T14:32:05.123Z')
    const past = pastTarget(at)
    const micros = dateToPgTime(at)
    expect(past({ commitTime: micros, commitLsn: 0n })).toBe(false)
    expect(past({ commitTime: micros + 999n, commitLsn: 0n })).toBe(false)
    expect(past({ commitTime: micros + 1000n, commitLsn: 0n })).toBe(true)
    expect(pastTarget({ lsn: 100n })({ commitTime: 0n, commitLsn: 100n })).toBe(false)
    expect(pastTarget({ lsn: 100n })({ commitTime: 0n, commitLsn: 101n })).toBe(true)
  })
})
