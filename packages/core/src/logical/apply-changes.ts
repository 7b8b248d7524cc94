// Replays decoded pgoutput changes on a database: each source transaction in a transaction of its own,
// rows addressed by the table's replica identity (its key columns; all columns for REPLICA IDENTITY
// FULL, where one matching row is changed, as the source changed one). Values go as string literals, as
// the source printed them, and the server reads them with each column's input function.
// Speed: a transaction's statements are sent together, as one multi-statement query per MiB or so (one
// round trip for a small transaction, then the COMMIT once every UPDATE and DELETE is known to have
// found its one row); consecutive inserts into one table with the same columns are one multi-row INSERT.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import type { PgoutputMessage, TupleValue } from './pgoutput'

type Relation = Extract<PgoutputMessage, { tag: 'relation' }>

export interface ApplyProgress {
  transactions: number
  rows: number
}

/** Rows of one multi-row INSERT at most. */
const INSERT_BATCH_ROWS = 1000
/** A transaction's statements are sent once they reach this many characters (or at its commit). */
const SEND_CHARS = 1 << 20

interface PendingInserts {
  rel: Relation
  /** The relation and the columns sent, which rows of one INSERT must share. */
  shape: string
  head: string
  rows: string[]
}

/** A statement waiting to be sent: an UPDATE or DELETE names its table, as it must change exactly one row. */
interface Statement {
  sql: string
  rows: number
  checked?: Relation
}

export class ChangeApplier {
  private readonly relations = new Map<number, Relation>()
  private open = false
  private inserts: PendingInserts | null = null
  private script: Statement[] = []
  private scriptChars = 0
  private settled = false
  readonly progress: ApplyProgress = { transactions: 0, rows: 0 }

  constructor(private readonly client: pg.ClientBase) {}

  /** Applies one message; a commit commits the transaction that its begin opened. */
  async apply(message: PgoutputMessage | { tag: 'keepalive' }): Promise<void> {
    if (message.tag === 'insert') return this.insert(message)
    this.endInserts()
    switch (message.tag) {
      case 'relation':
        this.relations.set(message.oid, message)
        return
      case 'begin':
        // the literals below are read with standard_conforming_strings on, whatever the session had
        if (!this.settled) this.add({ sql: 'SET standard_conforming_strings = on', rows: 0 })
        this.settled = true
        this.add({ sql: 'BEGIN', rows: 0 })
        this.open = true
        return
      case 'commit':
        await this.send()
        await this.run('COMMIT')
        this.open = false
        this.progress.transactions++
        return
      case 'update': {
        const rel = this.relation(message.relation)
        const set = rel.columns.map((c, i) => ({ name: c.name, value: message.row[i]! })).filter((c) => c.value.kind !== 'unchanged')
        const where = whereOf(rel, message.old ?? message.key ?? message.row)
        this.addOne(rel, `UPDATE ${qualified(rel)} SET ${set.map((c) => `${quoteIdent(c.name)} = ${literal(c.value)}`).join(', ')}`, where)
        break
      }
      case 'delete': {
        const rel = this.relation(message.relation)
        this.addOne(rel, `DELETE FROM ${qualified(rel)}`, whereOf(rel, message.old ?? message.key!))
        break
      }
      case 'truncate': {
        const names = message.relations.map((oid) => qualified(this.relation(oid)))
        this.add({ sql: `TRUNCATE ONLY ${names.join(', ')}${message.restartIdentity ? ' RESTART IDENTITY' : ''}${message.cascade ? ' CASCADE' : ''}`, rows: 0 })
        break
      }
      default:
        // origin, type, logical messages and keepalives change no rows; streamed transactions are never asked for
        return
    }
    if (this.scriptChars >= SEND_CHARS) await this.send()
  }

  /** Rolls back a transaction left open (the stream ended inside it). */
  async abandon(): Promise<void> {
    this.inserts = null
    this.script = []
    this.scriptChars = 0
    if (this.open) await this.client.query('ROLLBACK').catch(() => {})
    this.open = false
  }

  /** Joins the row to the inserts waiting for the same table and columns. */
  private async insert(message: Extract<PgoutputMessage, { tag: 'insert' }>): Promise<void> {
    const rel = this.relation(message.relation)
    const names: string[] = []
    const values: string[] = []
    rel.columns.forEach((c, i) => {
      const value = message.row[i]!
      if (value.kind === 'unchanged') return
      names.push(c.name)
      values.push(literal(value))
    })
    const shape = `${rel.oid}:${names.join(',')}`
    if (this.inserts && this.inserts.shape !== shape) this.endInserts()
    if (names.length === 0) {
      this.add({ sql: `INSERT INTO ${qualified(rel)} DEFAULT VALUES`, rows: 1 })
    } else {
      if (!this.inserts) this.inserts = { rel, shape, head: `INSERT INTO ${qualified(rel)} (${names.map((n) => quoteIdent(n)).join(', ')}) VALUES `, rows: [] }
      const row = `(${values.join(', ')})`
      this.inserts.rows.push(row)
      this.scriptChars += row.length + 2
      if (this.inserts.rows.length >= INSERT_BATCH_ROWS) this.endInserts()
    }
    if (this.scriptChars >= SEND_CHARS) {
      this.endInserts()
      await this.send()
    }
  }

  /** Turns the waiting inserts into one statement of the script. */
  private endInserts(): void {
    const batch = this.inserts
    if (!batch) return
    this.inserts = null
    this.script.push({ sql: `${batch.head}${batch.rows.join(', ')}`, rows: batch.rows.length })
    this.scriptChars += batch.head.length
  }

  private add(statement: Statement): void {
    this.script.push(statement)
    this.scriptChars += statement.sql.length
  }

  /** An UPDATE or DELETE of exactly one row (REPLICA IDENTITY FULL: the first of the equal rows, as the source changed one). */
  private addOne(rel: Relation, head: string, where: string): void {
    const sql = rel.replicaIdentity === 'f'
      ? `${head} WHERE ctid = (SELECT ctid FROM ${qualified(rel)} WHERE ${where} LIMIT 1)`
      : `${head} WHERE ${where}`
    this.add({ sql, rows: 1, checked: rel })
  }

  /** Sends the script as one query; an UPDATE or DELETE that found no row, or several, means the copy has drifted. */
  private async send(): Promise<void> {
    this.endInserts()
    const script = this.script
    if (script.length === 0) return
    this.script = []
    this.scriptChars = 0
    const result = await this.run(script.map((s) => s.sql).join(';\n'))
    const results = Array.isArray(result) ? result : [result]
    script.forEach((statement, i) => {
      const found = results[i]?.rowCount ?? 0
      if (statement.checked && found !== 1) {
        const rel = statement.checked
        throw new PgkeepError('RESTORE_FAILED', `replaying a change to ${rel.schema}.${rel.name} found ${found} rows where 1 was expected: the copy does not match the source at this point`)
      }
      this.progress.rows += statement.rows
    })
  }

  private relation(oid: number): Relation {
    const rel = this.relations.get(oid)
    if (!rel) throw new PgkeepError('SCRIPT_INVALID', `a change refers to relation ${oid}, which no Relation message described`)
    return rel
  }

  private async run(sql: string): Promise<pg.QueryResult | pg.QueryResult[]> {
    try {
      return await (this.client.query(sql) as unknown as Promise<pg.QueryResult | pg.QueryResult[]>)
    } catch (error) {
      const e = error as { message?: string; code?: string }
      throw new PgkeepError('RESTORE_FAILED', `replaying a change failed: ${e.message ?? String(error)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`, { cause: error })
    }
  }
}

/** The row's identity as a condition. */
function whereOf(rel: Relation, tuple: TupleValue[]): string {
  const full = rel.replicaIdentity === 'f'
  const parts: string[] = []
  rel.columns.forEach((c, i) => {
    const value = tuple[i]
    if (!value || value.kind === 'unchanged' || (!full && !c.key)) return
    if (value.kind === 'null') { parts.push(`${quoteIdent(c.name)} IS NULL`); return }
    // compared as text: the source printed it so, and every type (json, point) has text equality
    parts.push(full ? `${quoteIdent(c.name)}::text = ${literal(value)}` : `${quoteIdent(c.name)} = ${literal(value)}`)
  })
  if (parts.length === 0) throw new PgkeepError('SCRIPT_INVALID', `a change to ${rel.schema}.${rel.name} carries no replica identity (REPLICA IDENTITY NOTHING?)`)
  return parts.join(' AND ')
}

function qualified(rel: Relation): string {
  return `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`
}

/** A value as an SQL literal of unknown type (standard_conforming_strings on): the column's type reads it. */
function literal(value: TupleValue): string {
  if (value.kind !== 'text') return 'NULL'
  return `'${value.value.replaceAll("'", "''")}'`
}
