// The notifications option of the manager: `notifications: { email: { url, from, to, … } }`, mail about
// backups through an SMTP server (email-notifications.ts sends it). Messages name fields, never values:
// the SMTP URL may hold a password.
import { z } from 'zod'
import { smtpUrlProblem } from './smtp-url'

/** What can be mailed: a stored backup, a failed one, a verification that did not pass, an `alert` event. */
export const EMAIL_EVENTS = ['success', 'failure', 'verify-failure', 'alert'] as const
export type EmailEvent = (typeof EMAIL_EVENTS)[number]

export const EMAIL_LANGUAGES = ['id', 'en'] as const
export type EmailLanguage = (typeof EMAIL_LANGUAGES)[number]

const address = z.email({ error: 'must be an e-mail address' })

/** `ops@kost.example` or `KostMan Backups <ops@kost.example>`, on one line. */
const mailbox = z.string().refine((value) => isMailbox(value), { error: 'must be an e-mail address, or a name and an address as "Name <address>"' })

const smtpUrl = z.string().superRefine((value, ctx) => {
  const problem = smtpUrlProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

export const EmailNotificationsSchema = z.object({
  /** The SMTP server: `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS). */
  url: smtpUrl,
  /** The sender: an address, or `Name <address>`. */
  from: mailbox,
  /** The recipients: one address (or `Name <address>`) or a list of them. */
  to: z.union([mailbox, z.array(mailbox).min(1, 'must name at least one recipient').max(50, 'must be at most 50 recipients')])
    .transform((to) => (Array.isArray(to) ? to : [to])),
  /** What is mailed. @default ['success', 'failure', 'verify-failure', 'alert'] */
  events: z.array(z.enum(EMAIL_EVENTS, { error: `must be among ${EMAIL_EVENTS.join(', ')}` })).min(1, 'must name at least one event').default([...EMAIL_EVENTS]),
  /** The messages' language: Indonesian or English. @default 'id' */
  language: z.enum(EMAIL_LANGUAGES, { error: 'must be "id" or "en"' }).default('id'),
  /** The page of the app that shows its backups (the settings page with the backup card); messages link to it. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Time for one attempt to hand a message to the server. @default 10000 */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Further attempts after a failed one (refused, unreachable, timed out). @default 2 */
  retries: z.number().int().min(0).max(10).default(2),
}).strict()

export const NotificationsSchema = z.object({
  /** Mail about backups through an SMTP server. */
  email: EmailNotificationsSchema.optional(),
}).strict()

export type EmailNotificationsOption = z.input<typeof EmailNotificationsSchema>
export type ResolvedEmailNotifications = z.output<typeof EmailNotificationsSchema>
export type NotificationsOption = z.input<typeof NotificationsSchema>

// --- internal ---

function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false
  const named = /^\s*(?:"([^"\\]*)"|([^"<>,;:@]*?))\s*<([^<>\s]+)>\s*$/.exec(value)
  return address.safeParse(named ? named[3] : value).success
}
