// Sequence definitions (pg_sequence) and their current values. Values are read inside the dump's
// snapshot; on 18+ pg_get_sequence_data() returns them without touching each sequence.
import { Component } from '../model/components'
import type { SequenceInfo, TableObject } from '../model/objects'
import { atLeast } from '../session/server-version'
import { bigint, bool } from '../session/pg-text'
import { quoteQualified } from '../emit/quote'
import { transientLockBatch, withTransientLocks } from '../session/transient-locks'
import { oidArray, type DumpContext } from './context'

export async function readSequences(ctx: DumpContext): Promise<void> {
  const sequences = ctx.tableList.filter((t) => t.relkind === 'S' && (t.dump & (Component.DEFINITION | Component.DATA)))
  if (sequences.length === 0) return
  const v18 = atLeast(ctx.session.version, 18)
  const rows = await ctx.session.query(
    `SELECT seqrelid, pg_catalog.format_type(seqtypid, NULL) AS seqtype, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle
            ${v18 ? ', sd.last_value, sd.is_called' : ''}
       FROM pg_catalog.pg_sequence ${v18 ? ', pg_catalog.pg_get_sequence_data(seqrelid) sd' : ''}
      WHERE seqrelid = ANY ($1::pg_catalog.oid[])
      ORDER BY seqrelid`,
    [oidArray(sequences.map((s) => s.catId.oid))], 'read sequences',
  )
  for (const row of rows) {
    const table = ctx.tables.get(Number(row.seqrelid))!
    const info: SequenceInfo = {
      type: row.seqtype as SequenceInfo['type'],
      start: bigint(row.seqstart),
      increment: bigint(row.seqincrement),
      max: bigint(row.seqmax),
      min: bigint(row.seqmin),
      cache: bigint(row.seqcache),
      cycled: bool(row.seqcycle),
      lastValue: v18 ? bigint(row.last_value) : null,
      isCalled: v18 ? bool(row.is_called) : false,
    }
    table.sequence = info
  }
  if (!v18) await readSequenceValues(ctx, sequences.filter((s) => s.dataObj))
}

/** Before 18 each sequence is its own relation: read last_value/is_called from it, in one query. */
async function readSequenceValues(ctx: DumpContext, sequences: TableObject[]): Promise<void> {
  if (sequences.length === 0) return
  // reading a sequence locks it: chunks of at most a session's share of the lock table, let go after each
  const size = Math.min(200, await transientLockBatch(ctx.session))
  for (let i = 0; i < sequences.length; i += size) {
    const chunk = sequences.slice(i, i + size)
    const sql = chunk
      .map((s, n) => `SELECT ${n} AS n, last_value::pg_catalog.text AS last_value, is_called FROM ${quoteQualified(s.namespace!.name, s.name)}`)
      .join('\nUNION ALL\n')
    const rows = await withTransientLocks(ctx.session, () => ctx.session.query(sql, [], 'read sequence values'))
    for (const row of rows) {
      const seq = chunk[Number(row.n)]!
      seq.sequence!.lastValue = bigint(row.last_value)
      seq.sequence!.isCalled = bool(row.is_called)
    }
  }
}
