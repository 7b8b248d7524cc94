// The e-mail notifications from environment variables: on when PGKEEP_SMTP_URL is set, which then needs
// PGKEEP_EMAIL_FROM and PGKEEP_EMAIL_TO. Errors name the variable, never its value (the URL may hold
// the SMTP password).
import { PgkeepError } from '../errors'
import { EmailNotificationsSchema, type EmailNotificationsOption } from '../notify/email-options'
import { ENGLISH } from '../zod-english'

export const EMAIL_ENV = {
  PGKEEP_SMTP_URL: 'SMTP server for e-mail notifications, smtp://user:password@host:587 or smtps://…:465; setting it turns them on',
  PGKEEP_EMAIL_FROM: 'sender of the notifications, "ops@example.com" or "Name <ops@example.com>"',
  PGKEEP_EMAIL_TO: 'recipients, separated by commas',
  PGKEEP_EMAIL_EVENTS: 'what is mailed, separated by commas: success, failure, verify-failure, alert (default all)',
  PGKEEP_EMAIL_LANGUAGE: '"id" (Indonesian, the default) or "en"',
  PGKEEP_EMAIL_TIMEOUT_MS: 'time for one attempt to send a message (default 10000)',
  PGKEEP_APP_URL: 'the page of the app that shows its backups; the e-mails link to it',
} as const

/** Which variable each option comes from, to name it in errors. */
const VARIABLE_OF: Record<string, keyof typeof EMAIL_ENV> = {
  url: 'PGKEEP_SMTP_URL',
  from: 'PGKEEP_EMAIL_FROM',
  to: 'PGKEEP_EMAIL_TO',
  events: 'PGKEEP_EMAIL_EVENTS',
  language: 'PGKEEP_EMAIL_LANGUAGE',
  timeoutMs: 'PGKEEP_EMAIL_TIMEOUT_MS',
  baseUrl: 'PGKEEP_APP_URL',
}

/**
 * `{ email }` for the manager's `notifications` option, or undefined when PGKEEP_SMTP_URL is not set.
 * OPTIONS_INVALID naming the variable for a value that is not valid, for PGKEEP_SMTP_URL without
 * PGKEEP_EMAIL_FROM or PGKEEP_EMAIL_TO, and for PGKEEP_EMAIL_* variables without PGKEEP_SMTP_URL.
 */
export function emailFromEnv(env: NodeJS.ProcessEnv = process.env): { email: EmailNotificationsOption } | undefined {
  const url = env.PGKEEP_SMTP_URL || undefined
  const given = (['PGKEEP_EMAIL_FROM', 'PGKEEP_EMAIL_TO', 'PGKEEP_EMAIL_EVENTS', 'PGKEEP_EMAIL_LANGUAGE', 'PGKEEP_EMAIL_TIMEOUT_MS'] as const).filter((name) => env[name])
  if (!url) {
    if (given.length === 0) return undefined
    throw new PgkeepError('OPTIONS_INVALID', `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set but PGKEEP_SMTP_URL is not`, {
      hint: 'set PGKEEP_SMTP_URL (smtp://user:password@host:587) to send e-mail notifications, or unset the PGKEEP_EMAIL_* variables',
    })
  }
  const missing = (['PGKEEP_EMAIL_FROM', 'PGKEEP_EMAIL_TO'] as const).filter((name) => !env[name])
  if (missing.length > 0) throw new PgkeepError('OPTIONS_INVALID', `PGKEEP_SMTP_URL is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`)
  const timeout = env.PGKEEP_EMAIL_TIMEOUT_MS
  if (timeout && !/^\d+$/.test(timeout)) throw new PgkeepError('OPTIONS_INVALID', 'PGKEEP_EMAIL_TIMEOUT_MS must be a whole number of milliseconds')
  const email: EmailNotificationsOption = {
    url,
    from: env.PGKEEP_EMAIL_FROM!,
    to: list(env.PGKEEP_EMAIL_TO!),
    ...(env.PGKEEP_EMAIL_EVENTS ? { events: list(env.PGKEEP_EMAIL_EVENTS) as EmailNotificationsOption['events'] } : {}),
    ...(env.PGKEEP_EMAIL_LANGUAGE ? { language: env.PGKEEP_EMAIL_LANGUAGE as EmailNotificationsOption['language'] } : {}),
    ...(timeout ? { timeoutMs: Number(timeout) } : {}),
    ...(env.PGKEEP_APP_URL ? { baseUrl: env.PGKEEP_APP_URL } : {}),
  }
  const result = EmailNotificationsSchema.safeParse(email, ENGLISH)
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${VARIABLE_OF[String(i.path[0])] ?? 'PGKEEP_EMAIL_*'}: ${i.message}`)
    throw new PgkeepError('OPTIONS_INVALID', `invalid e-mail notification variables: ${[...new Set(issues)].join('; ')}`)
  }
  return { email }
}

// --- internal ---

/** `a@x.id, B <b@x.id>` → the items, trimmed; commas inside quotes do not split. */
function list(value: string): string[] {
  return (value.match(/(?:"[^"]*"|[^,])+/g) ?? []).map((item) => item.trim()).filter(Boolean)
}
