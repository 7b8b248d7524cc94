// Bounds on what reaches the audit trail: every string of an event (actor, target, the detail's messages)
// is cut to a fixed length with an ellipsis, so that no input, however long, makes an audit event large
// (the trail is read back object by object, and one oversized event would stop every later read).
import type { AuditEvent } from './audit-log'

/** Longest string an audit event keeps (actor, detail messages); longer ones end in "…". */
export const AUDIT_STRING_MAX = 200
/** Longest target an audit event keeps: a backup id is 36 characters; a malformed one keeps its first 64. */
export const AUDIT_TARGET_MAX = 64

/** `value` itself when at most `max` characters long, else its first `max - 1` characters and "…". */
export function bounded(value: string, max = AUDIT_STRING_MAX): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`
}

/** The event with every string in it bounded. */
export function boundedEvent<E extends Pick<AuditEvent, 'actor' | 'target' | 'detail'>>(event: E): E {
  return {
    ...event,
    actor: event.actor === null ? null : bounded(String(event.actor)),
    target: event.target === null ? null : bounded(String(event.target), AUDIT_TARGET_MAX),
    detail: event.detail === null ? null : (boundedValue(event.detail, 0) as Record<string, unknown>),
  }
}

function boundedValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return bounded(value)
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  if (depth >= 8) return '…'
  if (Array.isArray(value)) return value.map((v) => boundedValue(v, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [bounded(k), boundedValue(v, depth + 1)]))
}
