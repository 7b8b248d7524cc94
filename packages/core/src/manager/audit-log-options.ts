// The options of auditLog(): which events to read back. Validated, so that a typo in an action or a
// negative limit is OPTIONS_INVALID instead of an empty or unlimited answer.
import * as z from 'zod/mini'
import { parseOptions } from '../parse-options'
import { AUDIT_ACTIONS, type AuditAction } from './audit-log'

const AuditLogOptionsSchema = z.strictObject({
  /** At most this many events (a whole number from 1). */
  limit: z.optional(z.number().check(z.int(), z.positive())),
  /** Only events at or after this time. */
  since: z.optional(z.date().check(z.refine((d) => !Number.isNaN(d.getTime()), 'must be a valid Date'))),
  /** Only events of this action. */
  action: z.optional(z.enum(AUDIT_ACTIONS)),
  /** Only events about this backup id. */
  target: z.optional(z.string()),
})

export interface AuditLogOptions {
  limit?: number
  since?: Date
  action?: AuditAction
  target?: string
}

export function resolveAuditLogOptions(input: unknown): AuditLogOptions {
  return parseOptions(AuditLogOptionsSchema, input ?? {}, 'auditLog')
}
