// Options of backups.schedule(), validated once: cron patterns (croner's syntax: 5 fields, or 6 with
// seconds first), an IANA time zone, and the app's defaults (daily backup at 02:00, cleanup on Sundays at 03:00).
import { Cron } from 'croner'
import * as z from 'zod/mini'
import { parseOptions } from '../parse-options'

/** Every day at 02:00. */
export const DEFAULT_BACKUP_CRON = '0 2 * * *'
/** Sundays at 03:00. */
export const DEFAULT_CLEANUP_CRON = '0 3 * * 0'

const cron = z.string().check(z.minLength(1))

export const ScheduleOptionsSchema = z.strictObject({
  /** When to back up, as a cron pattern; `false` for no scheduled backups. @default '0 2 * * *' */
  backup: z._default(z.union([cron, z.literal(false)]), DEFAULT_BACKUP_CRON),
  /** When to run cleanup(), as a cron pattern; `false` for none. @default '0 3 * * 0' */
  cleanup: z._default(z.union([cron, z.literal(false)]), DEFAULT_CLEANUP_CRON),
  /** IANA time zone the patterns are read in. @default the process's local time zone */
  timezone: z.optional(z.string().check(z.minLength(1))),
  /** Who set the schedule, for the audit trail. */
  actor: z._default(z.nullable(z.pipe(z.union([z.string(), z.number()]), z.transform(String))), null),
  /** While cleanup is busy (a backup is being written), try again after this many ms. @default 60000 */
  busyRetryMs: z._default(z.number().check(z.int(), z.minimum(10), z.maximum(3_600_000)), 60_000),
  /** How many times a busy cleanup is tried again before the occurrence is given up. @default 30 */
  busyRetries: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1000)), 30),
}).check(z.superRefine((o, ctx) => {
  if (o.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: o.timezone })
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `${JSON.stringify(o.timezone)} is not an IANA time zone` })
      return
    }
  }
  for (const job of ['backup', 'cleanup'] as const) {
    const pattern = o[job]
    if (pattern === false) continue
    try {
      const probe = new Cron(pattern, { paused: true, ...(o.timezone ? { timezone: o.timezone } : {}) })
      if (probe.nextRun() === null) ctx.addIssue({ code: 'custom', path: [job], message: `${JSON.stringify(pattern)} never runs` })
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [job], message: `${JSON.stringify(pattern)} is not a cron pattern: ${error instanceof Error ? error.message : String(error)}` })
    }
  }
}))

export type ScheduleOptions = z.input<typeof ScheduleOptionsSchema>
export type ResolvedScheduleOptions = z.output<typeof ScheduleOptionsSchema>

export function resolveScheduleOptions(input: unknown): ResolvedScheduleOptions {
  return parseOptions(ScheduleOptionsSchema, input ?? {}, 'schedule')
}
