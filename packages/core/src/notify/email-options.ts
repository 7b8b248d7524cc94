// The notifications option of the manager: `notifications: { email: { url, from, to, … } }`, mail about
// backups through an SMTP server (email-notifications.ts sends it). Messages name fields, never values:
// the SMTP URL may hold a password.
import * as z from 'zod/mini'
import { smtpUrlProblem } from './smtp-url'

/** What can be mailed: a stored backup, a failed one, a verification that did not pass, an `alert` event. */
export const EMAIL_EVENTS = ['success', 'failure', 'verify-failure', 'alert'] as const
export type EmailEvent = (typeof EMAIL_EVENTS)[number]

export const EMAIL_LANGUAGES = ['id', 'en'] as const
export type EmailLanguage = (typeof EMAIL_LANGUAGES)[number]

const address = z.email({ error: 'must be an e-mail address' })

/** `ops@kost.example` or `KostMan Backups <ops@kost.example>`, on one line. */
const mailbox = z.string().check(z.refine((value) => isMailbox(value), { error: 'must be an e-mail address, or a name and an address as "Name <address>"' }))

const smtpUrl = z.string().check(z.superRefine((value, ctx) => {
  const problem = smtpUrlProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
}))

export const EmailNotificationsSchema = z.strictObject({
  /** The SMTP server: `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS). */
  url: smtpUrl,
  /** The sender: an address, or `Name <address>`. */
  from: mailbox,
  /** The recipients: one address (or `Name <address>`) or a list of them. */
  to: z.pipe(
    z.union([mailbox, z.array(mailbox).check(z.minLength(1, 'must name at least one recipient'), z.maxLength(50, 'must be at most 50 recipients'))]),
    z.transform((to) => (Array.isArray(to) ? to : [to])),
  ),
  /** What is mailed. @default ['success', 'failure', 'verify-failure', 'alert'] */
  events: z._default(z.array(z.enum(EMAIL_EVENTS, { error: `must be among ${EMAIL_EVENTS.join(', ')}` })).check(z.minLength(1, 'must name at least one event')), [...EMAIL_EVENTS]),
  /** The messages' language: Indonesian or English. @default 'id' */
  language: z._default(z.enum(EMAIL_LANGUAGES, { error: 'must be "id" or "en"' }), 'id'),
  /** The page of the app that shows its backups (the settings page with the backup card); messages link to it. */
  baseUrl: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
  /** Time for one attempt to hand a message to the server. @default 10000 */
  timeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(120_000)), 10_000),
  /** Further attempts after a failed one (refused, unreachable, timed out). @default 2 */
  retries: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10)), 2),
})

export const NotificationsSchema = z.strictObject({
  /** Mail about backups through an SMTP server. */
  email: z.optional(EmailNotificationsSchema),
})

export type EmailNotificationsOption = z.input<typeof EmailNotificationsSchema>
export type ResolvedEmailNotifications = z.output<typeof EmailNotificationsSchema>
export type NotificationsOption = z.input<typeof NotificationsSchema>

// --- internal ---

function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false
  const named = /^\s*(?:"([^"\\]*)"|([^"<>,;:@]*?))\s*<([^<>\s]+)>\s*$/.exec(value)
  return address.safeParse(named ? named[3] : value).success
}
