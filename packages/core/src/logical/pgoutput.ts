// Decodes the messages of PostgreSQL's `pgoutput` logical decoding plugin (protocol versions 1–4, the
// "Logical Replication Message Formats" chapter): one XLogData payload in, one message out. Tuple values
// stay as the text PostgreSQL sends (binary mode is never asked for); `unchanged` marks a TOASTed value
// the update did not touch, which the server does not resend.

export type TupleValue = { kind: 'null' } | { kind: 'unchanged' } | { kind: 'text'; value: string }

export interface RelationColumn {
  name: string
  typeOid: number
  typeMod: number
  /** Part of the replica identity (the key updates and deletes are addressed by). */
  key: boolean
}

export type PgoutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: bigint; xid: number }
  | { tag: 'commit'; flags: number; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | { tag: 'origin'; lsn: bigint; name: string }
  | { tag: 'relation'; xid?: number; oid: number; schema: string; name: string; replicaIdentity: 'd' | 'n' | 'f' | 'i'; columns: RelationColumn[] }
  | { tag: 'type'; xid?: number; oid: number; schema: string; name: string }
  | { tag: 'insert'; xid?: number; relation: number; row: TupleValue[] }
  | { tag: 'update'; xid?: number; relation: number; key?: TupleValue[]; old?: TupleValue[]; row: TupleValue[] }
  | { tag: 'delete'; xid?: number; relation: number; key?: TupleValue[]; old?: TupleValue[] }
  | { tag: 'truncate'; xid?: number; cascade: boolean; restartIdentity: boolean; relations: number[] }
  | { tag: 'message'; xid?: number; transactional: boolean; lsn: bigint; prefix: string; content: Buffer }
  | { tag: 'stream-start'; xid: number; first: boolean }
  | { tag: 'stream-stop' }
  | { tag: 'stream-commit'; xid: number; flags: number; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | { tag: 'stream-abort'; xid: number; subxid: number }

/** Reads big-endian fields off one message, failing clearly on a short one. */
class Reader {
  private at = 0
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new RangeError(`pgoutput message ended early (needed ${n} bytes at ${this.at} of ${this.buf.length})`)
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.at++) }
  char(): string { return String.fromCharCode(this.u8()) }
  i16(): number { this.need(2); const v = this.buf.readInt16BE(this.at); this.at += 2; return v }
  i32(): number { this.need(4); const v = this.buf.readInt32BE(this.at); this.at += 4; return v }
  u32(): number { this.need(4); const v = this.buf.readUInt32BE(this.at); this.at += 4; return v }
  u64(): bigint { this.need(8); const v = this.buf.readBigUInt64BE(this.at); this.at += 8; return v }
  i64(): bigint { this.need(8); const v = this.buf.readBigInt64BE(this.at); this.at += 8; return v }
  bytes(n: number): Buffer { this.need(n); const v = this.buf.subarray(this.at, this.at + n); this.at += n; return v }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at)
    if (end < 0) throw new RangeError('pgoutput message has an unterminated string')
    const v = this.buf.toString('utf8', this.at, end)
    this.at = end + 1
    return v
  }
}

/**
 * `inStream`: whether the message came inside a stream block of an in-progress transaction (protocol 2+
 * with `streaming 'on'`): such messages carry the transaction's xid first.
 */
export function decodePgoutput(buf: Buffer, inStream = false): PgoutputMessage {
  const r = new Reader(buf)
  const tag = r.char()
  const xid = () => (inStream ? { xid: r.u32() } : {})
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: r.u64(), commitTime: r.i64(), xid: r.u32() }
    case 'C':
      return { tag: 'commit', flags: r.u8(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() }
    case 'O':
      return { tag: 'origin', lsn: r.u64(), name: r.cstring() }
    case 'R': {
      const head = xid()
      const oid = r.u32()
      const schema = r.cstring()
      const name = r.cstring()
      const replicaIdentity = r.char() as 'd' | 'n' | 'f' | 'i'
      const count = r.i16()
      const columns: RelationColumn[] = []
      for (let i = 0; i < count; i++) {
        const flags = r.u8()
        columns.push({ key: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() })
      }
      // an empty namespace means pg_catalog
      return { tag: 'relation', ...head, oid, schema: schema === '' ? 'pg_catalog' : schema, name, replicaIdentity, columns }
    }
    case 'Y': {
      const head = xid()
      const oid = r.u32()
      const schema = r.cstring()
      return { tag: 'type', ...head, oid, schema: schema === '' ? 'pg_catalog' : schema, name: r.cstring() }
    }
    case 'I': {
      const head = xid()
      const relation = r.u32()
      expectChar(r, 'N', 'insert')
      return { tag: 'insert', ...head, relation, row: tuple(r) }
    }
    case 'U': {
      const head = xid()
      const relation = r.u32()
      let kind = r.char()
      const message: Extract<PgoutputMessage, { tag: 'update' }> = { tag: 'update', ...head, relation, row: [] }
      if (kind === 'K') { message.key = tuple(r); kind = r.char() } else if (kind === 'O') { message.old = tuple(r); kind = r.char() }
      if (kind !== 'N') throw new RangeError(`pgoutput update has '${kind}' where the new tuple should start`)
      message.row = tuple(r)
      return message
    }
    case 'D': {
      const head = xid()
      const relation = r.u32()
      const kind = r.char()
      if (kind === 'K') return { tag: 'delete', ...head, relation, key: tuple(r) }
      if (kind === 'O') return { tag: 'delete', ...head, relation, old: tuple(r) }
      throw new RangeError(`pgoutput delete has '${kind}' where the old key should start`)
    }
    case 'T': {
      const head = xid()
      const count = r.u32()
      const options = r.u8()
      const relations: number[] = []
      for (let i = 0; i < count; i++) relations.push(r.u32())
      return { tag: 'truncate', ...head, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0, relations }
    }
    case 'M': {
      const head = xid()
      const transactional = (r.u8() & 1) === 1
      const lsn = r.u64()
      const prefix = r.cstring()
      return { tag: 'message', ...head, transactional, lsn, prefix, content: Buffer.from(r.bytes(r.u32())) }
    }
    case 'S':
      return { tag: 'stream-start', xid: r.u32(), first: r.u8() === 1 }
    case 'E':
      return { tag: 'stream-stop' }
    case 'c':
      return { tag: 'stream-commit', xid: r.u32(), flags: r.u8(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() }
    case 'A':
      // protocol 4 adds the abort's LSN and time after these; nothing here needs them
      return { tag: 'stream-abort', xid: r.u32(), subxid: r.u32() }
    default:
      throw new RangeError(`unknown pgoutput message '${tag}'`)
  }
}

function expectChar(r: Reader, want: string, what: string): void {
  const got = r.char()
  if (got !== want) throw new RangeError(`pgoutput ${what} has '${got}' where '${want}' should be`)
}

function tuple(r: Reader): TupleValue[] {
  const count = r.i16()
  const values: TupleValue[] = []
  for (let i = 0; i < count; i++) {
    const kind = r.char()
    if (kind === 'n') values.push({ kind: 'null' })
    else if (kind === 'u') values.push({ kind: 'unchanged' })
    else if (kind === 't') values.push({ kind: 'text', value: r.bytes(r.u32()).toString('utf8') })
    else throw new RangeError(`pgoutput tuple value of kind '${kind}' (binary values are never requested)`)
  }
  return values
}
