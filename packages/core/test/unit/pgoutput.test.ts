// pgoutput messages the stream test cannot easily make a server send (in-progress streamed transactions,
// TRUNCATE options, damaged messages), built byte by byte as the protocol chapter lays them out.
import { describe, expect, it } from 'vitest'
import { formatLsn, parseLsn, pgTimeToDate, dateToPgTime } from '../../src/logical/lsn'
import { decodePgoutput } from '../../src/logical/pgoutput'

const u8 = (n: number) => Buffer.from([n])
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b }
const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b }
const str = (s: string) => Buffer.concat([Buffer.from(s), u8(0)])
const msg = (tag: string, ...parts: Buffer[]) => Buffer.concat([Buffer.from(tag), ...parts])

describe('pgoutput', () => {
  it('reads an insert inside a streamed transaction, whose messages carry the xid first', () => {
    const tuple = Buffer.concat([i16(3), Buffer.from('t'), u32(2), Buffer.from('42'), Buffer.from('n'), Buffer.from('u')])
    expect(decodePgoutput(msg('S', u32(777), u8(1)))).toEqual({ tag: 'stream-start', xid: 777, first: true })
    expect(decodePgoutput(msg('I', u32(777), u32(16384), Buffer.from('N'), tuple), true)).toEqual({
      tag: 'insert', xid: 777, relation: 16384,
      row: [{ kind: 'text', value: '42' }, { kind: 'null' }, { kind: 'unchanged' }],
    })
    expect(decodePgoutput(msg('c', u32(777), u8(0), u64(0x10n), u64(0x20n), u64(5n)))).toEqual({ tag: 'stream-commit', xid: 777, flags: 0, commitLsn: 0x10n, endLsn: 0x20n, commitTime: 5n })
  })

  it('reads TRUNCATE … CASCADE RESTART IDENTITY of two tables, and a pg_catalog relation', () => {
    expect(decodePgoutput(msg('T', u32(2), u8(3), u32(1), u32(2)))).toEqual({ tag: 'truncate', cascade: true, restartIdentity: true, relations: [1, 2] })
    const relation = decodePgoutput(msg('R', u32(9), str(''), str('t'), Buffer.from('f'), i16(1), u8(0), str('a'), u32(23), u32(0xffffffff)))
    expect(relation).toMatchObject({ tag: 'relation', schema: 'pg_catalog', name: 't', replicaIdentity: 'f', columns: [{ name: 'a', typeOid: 23, typeMod: -1, key: false }] })
  })

  it('refuses a message cut short, an unknown tag and a binary value, naming what is wrong', () => {
    expect(() => decodePgoutput(msg('B', u64(1n)))).toThrow(/ended early/)
    expect(() => decodePgoutput(msg('Z'))).toThrow(/unknown pgoutput message 'Z'/)
    expect(() => decodePgoutput(msg('I', u32(1), Buffer.from('N'), i16(1), Buffer.from('b'), u32(0)))).toThrow(/binary values/)
  })

  it('prints and parses WAL positions and protocol times', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848')
    expect(parseLsn('0/0')).toBe(0n)
    expect(() => parseLsn('16-B3')).toThrow(/not a WAL position/)
    const at = new Date('2026-12-04T12:00:00.123Z')
    expect(pgTimeToDate(dateToPgTime(at))).toEqual(at)
  })
})
