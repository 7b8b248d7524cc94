// The audit trail: every operation of the manager (and every failure and refusal) as one event with
// actor, time, target and outcome, kept durably, either in a table beside the history table or, without
// one, as append-only objects in the storage (one object per event: no object is ever rewritten).
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type pg from 'pg'
import { quoteQualified } from '../emit/quote'
import type { HistoryTableName } from '../history/history-table'
import { readText } from '../history/read-text'
import type { StorageDriver } from '../storage/driver'
import { boundedEvent } from './audit-bounds'

/** Who asks, for the audit trail: the app's user id. */
export interface Actor {
  actor?: string | number | null
}

/** The actor as the audit trail stores it: a string, or null for the scheduler and unattributed calls. */
export function actorOf(options?: Actor | null): string | null {
  return options?.actor === undefined || options.actor === null ? null : String(options.actor)
}

export const AUDIT_ACTIONS = ['create', 'download', 'presign', 'restore', 'verify', 'cleanup', 'remove', 'pin', 'unpin', 'schedule', 'lifecycle', 'replicate', 'archive'] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]
export type AuditOutcome = 'success' | 'failure' | 'refused'

export interface AuditEvent {
  id: string
  at: Date
  /** Who asked (the app's user id), or null for the scheduler and unattributed calls; at most 200 characters (longer ones are cut, ending in "…"). */
  actor: string | null
  action: AuditAction
  /** The backup id the operation was about, or null; a malformed id keeps at most its first 64 characters. */
  target: string | null
  outcome: AuditOutcome
  /** Error code and message for failures and refusals; anything else worth keeping. Every string in it is at most 200 characters. */
  detail: Record<string, unknown> | null
}

export interface AuditLog {
  append(event: Omit<AuditEvent, 'id' | 'at'> & { at?: Date }): Promise<AuditEvent>
  /** Newest first. */
  read(options?: { limit?: number; since?: Date; action?: AuditAction; target?: string }): Promise<AuditEvent[]>
}

/** Audit objects under `<keyPrefix>audit/YYYY/MM/DD/`, named by time so that listing is chronological. */
export function storageAuditLog(storage: StorageDriver, keyPrefix: string): AuditLog {
  const folder = `${keyPrefix}audit/`
  return {
    async append(input) {
      const event: AuditEvent = boundedEvent({ id: randomUUID(), at: input.at ?? new Date(), actor: input.actor, action: input.action, target: input.target, outcome: input.outcome, detail: input.detail })
      const iso = event.at.toISOString()
      const key = `${folder}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.replace(/[:.]/g, '-')}-${event.id}.json`
      await storage.put(key, Readable.from([Buffer.from(JSON.stringify(event))]), { contentType: 'application/json' })
      return event
    },
    async read(options = {}) {
      const keys: string[] = []
      for await (const object of storage.list(folder)) if (object.key.endsWith('.json')) keys.push(object.key)
      keys.sort().reverse()
      const out: AuditEvent[] = []
      for (const key of keys) {
        if (options.limit !== undefined && out.length >= options.limit) break
        const raw = JSON.parse(await readText(storage, key, 1024 * 1024)) as AuditEvent & { at: string }
        const event = { ...raw, at: new Date(raw.at) }
        if (options.since && event.at < options.since) break
        if (options.action && event.action !== options.action) continue
        if (options.target && event.target !== options.target) continue
        out.push(event)
      }
      return out
    },
  }
}

/** The audit table beside the history table: `<history>_audit`. */
export function auditTableName(history: HistoryTableName): HistoryTableName {
  return { schema: history.schema, name: `${history.name}_audit` }
}

export function auditTableSql(table: HistoryTableName): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(table.schema, table.name)} (
    id uuid PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text,
    action text NOT NULL,
    target uuid,
    outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
    detail jsonb
);
`
}

export function tableAuditLog(withClient: <T>(fn: (client: pg.Client) => Promise<T>) => Promise<T>, table: HistoryTableName): AuditLog {
  const q = quoteQualified(table.schema, table.name)
  return {
    async append(input) {
      const event: AuditEvent = boundedEvent({ id: randomUUID(), at: input.at ?? new Date(), actor: input.actor, action: input.action, target: input.target, outcome: input.outcome, detail: input.detail })
      await withClient(async (client) => {
        await client.query(auditTableSql(table))
        // The target column is a uuid: a refusal about a malformed id keeps that id in detail instead.
        const stored = storedTarget(event)
        await client.query(`INSERT INTO ${q} (id, at, actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [event.id, event.at, event.actor, event.action, stored.target, event.outcome, stored.detail === null ? null : JSON.stringify(stored.detail)])
      })
      return event
    },
    async read(options = {}) {
      return withClient(async (client) => {
        await client.query(auditTableSql(table))
        const where: string[] = []
        const values: unknown[] = []
        if (options.since) { values.push(options.since); where.push(`at >= $${values.length}`) }
        if (options.action) { values.push(options.action); where.push(`action = $${values.length}`) }
        if (options.target) { values.push(options.target); where.push(`(target::text = $${values.length} OR detail->>'${INVALID_TARGET}' = $${values.length})`) }
        values.push(options.limit ?? 1000)
        const { rows } = await client.query(
          `SELECT id, at, actor, action, target, outcome, detail FROM ${q} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
          values,
        )
        return rows.map((r) => ({ id: r.id, at: new Date(r.at), actor: r.actor, action: r.action, outcome: r.outcome, ...readTarget(r.target, r.detail) }))
      })
    },
  }
}

const INVALID_TARGET = 'invalidTarget'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function storedTarget(event: AuditEvent): { target: string | null; detail: Record<string, unknown> | null } {
  if (event.target === null || UUID.test(event.target)) return { target: event.target, detail: event.detail }
  return { target: null, detail: { ...event.detail, [INVALID_TARGET]: event.target } }
}

function readTarget(target: string | null, detail: Record<string, unknown> | null): { target: string | null; detail: Record<string, unknown> | null } {
  if (target !== null || !detail || typeof detail[INVALID_TARGET] !== 'string') return { target, detail }
  const { [INVALID_TARGET]: invalid, ...rest } = detail
  return { target: invalid as string, detail: Object.keys(rest).length > 0 ? rest : null }
}
