// The options of auditLog(): which events to read back. Validated, so that a typo in an action or a
// negative limit is OPTIONS_INVALID instead of an empty or unlimited answer.
import { z } from 'zod'
import { parseOptions } from '../parse-options'
import { AUDIT_ACTIONS, type AuditAction } from './audit-log'

const AuditLogOptionsSchema = z.object({
  /** At most this many events (a whole number from 1). */
  limit: z.number().int().positive().optional(),
  /** Only events at or after this time. */
  since: z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid Date').optional(),
  /** Only events of this action. */
  action: z.enum(AUDIT_ACTIONS).optional(),
  /** Only events about this backup id. */
  target: z.string().optional(),
}).strict()

export interface AuditLogOptions {
  limit?: number
  since?: Date
  action?: AuditAction
  target?: string
}

export function resolveAuditLogOptions(input: unknown): AuditLogOptions {
  return parseOptions(AuditLogOptionsSchema, input ?? {}, 'auditLog')
}
