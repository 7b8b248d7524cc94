// E-mail about backups: subscribes the manager's `notifications.email` to its events (a stored backup,
// a failed one, a verification that did not pass, an alert) and mails each, one after another, beside
// the backups and never inside them, as the webhooks are sent: a server that refuses or hangs never
// changes a backup's outcome or delays it; once its retries are spent it raises an `alert` (kind
// 'email-failed', naming the server by host and port only), which is never mailed itself.
import type { ManagerContext } from '../manager/context'
import { createDeliveryQueue, withRetries } from '../manager/deliveries'
import { composeEmail, type EmailNotice } from './email-message'
import type { EmailEvent, ResolvedEmailNotifications } from './email-options'
import { createEmailSender } from './email-sender'

/** The kind of the alert raised when an e-mail could not be sent. */
export const EMAIL_FAILED = 'email-failed'

export function attachEmailNotifications(ctx: ManagerContext): void {
  const o: ResolvedEmailNotifications | undefined = ctx.options.notifications?.email
  if (!o) return
  const sender = createEmailSender(o)
  const queue = createDeliveryQueue()
  const wants = (event: EmailEvent) => o.events.includes(event)
  const mail = (notice: EmailNotice) => {
    const message = composeEmail(notice, { language: o.language, baseUrl: o.baseUrl })
    queue(async () => {
      const failed = await withRetries(o.retries, () => sender.send(message))
      if (!failed) return
      ctx.events.emit('alert', {
        kind: EMAIL_FAILED,
        message: `the ${message.event} e-mail via ${sender.server} failed after ${failed.attempts} attempt(s): ${failed.error}`,
        at: ctx.now(),
        detail: { event: message.event, server: sender.server, attempts: failed.attempts, error: failed.error, ...backupIdOf(notice) },
      })
    })
  }

  // When each backup of this instance started, for the duration of a failed one.
  const started = new Map<string, Date>()
  ctx.events.on('backup:start', (e) => {
    if (wants('failure')) started.set(e.id, e.at)
  })
  ctx.events.on('backup:success', ({ record }) => {
    started.delete(record.id)
    if (wants('success')) mail({ event: 'success', record, at: ctx.now() })
  })
  ctx.events.on('backup:failure', (e) => {
    const start = started.get(e.id)
    started.delete(e.id)
    if (!wants('failure')) return
    mail({
      event: 'failure', id: e.id, type: e.type, actor: e.actor, code: e.code, message: e.message, at: e.at,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(start ? { durationMs: Math.max(0, e.at.getTime() - start.getTime()) } : {}),
    })
  })
  ctx.events.on('verify', async (e) => {
    if (e.ok || !e.report || !wants('verify-failure')) return
    const record = await ctx.find(e.id).then(ctx.record, () => null)
    mail({ event: 'verify-failure', report: e.report, record, at: e.at })
  })
  ctx.events.on('alert', (alert) => {
    if (wants('alert') && alert.kind !== EMAIL_FAILED) mail({ event: 'alert', alert })
  })
}

// --- internal ---

function backupIdOf(notice: EmailNotice): { backupId?: string } {
  if (notice.event === 'success') return { backupId: notice.record.id }
  if (notice.event === 'failure') return { backupId: notice.id }
  if (notice.event === 'verify-failure') return { backupId: notice.report.id }
  return {}
}
