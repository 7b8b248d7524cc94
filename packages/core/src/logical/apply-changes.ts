// Replays decoded pgoutput changes on a database: each source transaction in a transaction of its own,
// rows addressed by the table's replica identity (its key columns; all columns for REPLICA IDENTITY
// FULL, where one matching row is changed, as the source changed one). Values go as string literals, as
// the source printed them, and the server reads them with each column's input function, in the session
// settings the archive's walsender printed them in (value-settings.ts: ISO dates, UTC, exact floats, …),
// whatever the target database's own settings are.
// Speed: a transaction's statements are sent together, as one multi-statement query per MiB or so (one
// round trip for a small transaction, then the COMMIT once every UPDATE and DELETE is known to have
// found its one row); consecutive inserts into one table with the same columns are one multi-row INSERT.
import type pg from 'pg'
import { quoteIdent } from '../emit/quote'
import { PgkeepError } from '../errors'
import type { PgoutputMessage, TupleValue } from './pgoutput'
import { valueSettingsSql } from './value-settings'

type Relation = Extract<PgoutputMessage, { tag: 'relation' }>

/** A table as the target's catalog has it: each column's type (format_type, with its modifier). */
interface TargetTable {
  types: Map<string, string>
}

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
  private readonly targets = new Map<string, TargetTable>()
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
        // the literals below are read with standard_conforming_strings on, whatever the session had, and
        // the values in the settings they were printed in (one statement each: one result each)
        if (!this.settled) {
          this.add({ sql: 'SET standard_conforming_strings = on', rows: 0 })
          this.add({ sql: valueSettingsSql(), rows: 0 })
        }
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
        const where = whereOf(rel, message.old ?? message.key ?? message.row, await this.target(rel))
        this.addOne(rel, `UPDATE ${qualified(rel)} SET ${set.map((c) => `${quoteIdent(c.name)} = ${literal(c.value)}`).join(', ')}`, where)
        break
      }
      case 'delete': {
        const rel = this.relation(message.relation)
        this.addOne(rel, `DELETE FROM ${qualified(rel)}`, whereOf(rel, message.old ?? message.key!, await this.target(rel)))
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

  /**
   * The table as the target's catalog has it (read once per table; replay changes no definition, a
   * schema change begins a new chain). A table the target lacks gives no columns: its statements fail.
   */
  private async target(rel: Relation): Promise<TargetTable> {
    const name = qualified(rel)
    let found = this.targets.get(name)
    if (found) return found
    const result = await this.run(`SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass('${name.replaceAll("'", "''")}') AND a.attnum > 0 AND NOT a.attisdropped`) as pg.QueryResult<{ name: string; type: string }>
    found = { types: new Map(result.rows.map((r) => [r.name, r.type])) }
    this.targets.set(name, found)
    return found
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

/**
 * The row's identity as a condition. REPLICA IDENTITY FULL compares every column as text, as the source
 * printed it (every type, json or point too, has text equality), with the incoming value read into the
 * column's type and printed again in this session: both sides printed alike, so the comparison holds
 * whatever the target's settings and whichever settings an older archive printed its values in.
 */
function whereOf(rel: Relation, tuple: TupleValue[], target: TargetTable): string {
  const full = rel.replicaIdentity === 'f'
  const parts: string[] = []
  rel.columns.forEach((c, i) => {
    const value = tuple[i]
    if (!value || value.kind === 'unchanged' || (!full && !c.key)) return
    if (value.kind === 'null') { parts.push(`${quoteIdent(c.name)} IS NULL`); return }
    if (!full) { parts.push(`${quoteIdent(c.name)} = ${literal(value)}`); return }
    const type = target.types.get(c.name)
    parts.push(`${quoteIdent(c.name)}::text = ${type ? `CAST(${literal(value)} AS ${type})::text` : literal(value)}`)
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
