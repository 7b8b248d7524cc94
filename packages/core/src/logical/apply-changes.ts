// Replays decoded pgoutput changes on a database: each source transaction in a transaction of its own,
// rows addressed by the table's replica identity (its key columns; all columns for REPLICA IDENTITY
// FULL, where one matching row is changed, as the source changed one). Values go as text parameters, as
// the source printed them, and the server reads them with each column's input function.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import type { PgoutputMessage, TupleValue } from './pgoutput'

type Relation = Extract<PgoutputMessage, { tag: 'relation' }>

export interface ApplyProgress {
  transactions: number
  rows: number
}

export class ChangeApplier {
  private readonly relations = new Map<number, Relation>()
  private open = false
  readonly progress: ApplyProgress = { transactions: 0, rows: 0 }

  constructor(private readonly client: pg.ClientBase) {}

  /** Applies one message; a commit commits the transaction that its begin opened. */
  async apply(message: PgoutputMessage | { tag: 'keepalive' }): Promise<void> {
    switch (message.tag) {
      case 'relation':
        this.relations.set(message.oid, message)
        return
      case 'begin':
        await this.run('BEGIN')
        this.open = true
        return
      case 'commit':
        await this.run('COMMIT')
        this.open = false
        this.progress.transactions++
        return
      case 'insert': {
        const rel = this.relation(message.relation)
        const cols = rel.columns.map((c, i) => ({ name: c.name, value: message.row[i]! })).filter((c) => c.value.kind !== 'unchanged')
        await this.run(
          `INSERT INTO ${qualified(rel)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((c) => valueOf(c.value)),
        )
        this.progress.rows++
        return
      }
      case 'update': {
        const rel = this.relation(message.relation)
        const set = rel.columns.map((c, i) => ({ name: c.name, value: message.row[i]! })).filter((c) => c.value.kind !== 'unchanged')
        const params = set.map((c) => valueOf(c.value))
        const where = this.whereOf(rel, message.old ?? message.key ?? message.row, params)
        await this.changeOne(rel, `UPDATE ${qualified(rel)} SET ${set.map((c, i) => `${quoteIdent(c.name)} = $${i + 1}`).join(', ')}`, where, params)
        return
      }
      case 'delete': {
        const rel = this.relation(message.relation)
        const params: unknown[] = []
        const where = this.whereOf(rel, message.old ?? message.key!, params)
        await this.changeOne(rel, `DELETE FROM ${qualified(rel)}`, where, params)
        return
      }
      case 'truncate': {
        const names = message.relations.map((oid) => qualified(this.relation(oid)))
        await this.run(`TRUNCATE ONLY ${names.join(', ')}${message.restartIdentity ? ' RESTART IDENTITY' : ''}${message.cascade ? ' CASCADE' : ''}`)
        return
      }
      default:
        // origin, type, logical messages and keepalives change no rows; streamed transactions are never asked for
        return
    }
  }

  /** Rolls back a transaction left open (the stream ended inside it). */
  async abandon(): Promise<void> {
    if (this.open) await this.client.query('ROLLBACK').catch(() => {})
    this.open = false
  }

  private relation(oid: number): Relation {
    const rel = this.relations.get(oid)
    if (!rel) throw new PgkeepError('SCRIPT_INVALID', `a change refers to relation ${oid}, which no Relation message described`)
    return rel
  }

  /** The row's identity as a condition, its values appended to `params`. */
  private whereOf(rel: Relation, tuple: TupleValue[], params: unknown[]): string {
    const full = rel.replicaIdentity === 'f'
    const parts: string[] = []
    rel.columns.forEach((c, i) => {
      const value = tuple[i]
      if (!value || value.kind === 'unchanged' || (!full && !c.key)) return
      if (value.kind === 'null') { parts.push(`${quoteIdent(c.name)} IS NULL`); return }
      params.push(value.value)
      // compared as text: the source printed it so, and every type (json, point) has text equality
      parts.push(full ? `${quoteIdent(c.name)}::text = $${params.length}` : `${quoteIdent(c.name)} = $${params.length}`)
    })
    if (parts.length === 0) throw new PgkeepError('SCRIPT_INVALID', `a change to ${rel.schema}.${rel.name} carries no replica identity (REPLICA IDENTITY NOTHING?)`)
    return parts.join(' AND ')
  }

  /** Runs an UPDATE/DELETE on exactly one row; none or several found means the copy has drifted. */
  private async changeOne(rel: Relation, head: string, where: string, params: unknown[]): Promise<void> {
    const sql = rel.replicaIdentity === 'f'
      ? `${head} WHERE ctid = (SELECT ctid FROM ${qualified(rel)} WHERE ${where} LIMIT 1)`
      : `${head} WHERE ${where}`
    const result = await this.run(sql, params)
    if (result.rowCount !== 1) {
      throw new PgkeepError('RESTORE_FAILED', `replaying a change to ${rel.schema}.${rel.name} found ${result.rowCount ?? 0} rows where 1 was expected: the copy does not match the source at this point`)
    }
    this.progress.rows++
  }

  private async run(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await this.client.query(sql, params)
    } catch (error) {
      const e = error as { message?: string; code?: string }
      throw new PgkeepError('RESTORE_FAILED', `replaying a change failed: ${e.message ?? String(error)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`, { cause: error })
    }
  }
}

function qualified(rel: Relation): string {
  return `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`
}

function valueOf(value: TupleValue): string | null {
  return value.kind === 'text' ? value.value : null
}
