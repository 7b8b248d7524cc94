// Hands one message to the SMTP server through nodemailer, within a time limit. nodemailer is loaded on
// the first message, so that applications without e-mail notifications never load it. A message is
// plain text, never with an attachment. Failures come back as short texts that name the server by host
// and port only: never its user name, password or URL.
import type { Transporter } from 'nodemailer'
import { PGKEEP_VERSION } from '../version'
import type { EmailMessage } from './email-message'
import type { ResolvedEmailNotifications } from './email-options'
import { smtpTarget, withoutSecrets, type SmtpTarget } from './smtp-url'

export interface EmailSender {
  /** host:port of the SMTP server. */
  readonly server: string
  /** Sends the message: null once the server accepted it, else what went wrong. Never throws. */
  send(message: EmailMessage): Promise<string | null>
}

export function createEmailSender(o: ResolvedEmailNotifications): EmailSender {
  const target = smtpTarget(o.url)
  let transporter: Promise<Transporter> | undefined
  const transport = (): Promise<Transporter> => (transporter ??= createTransporter(target, o.timeoutMs))
  return {
    server: target.label,
    async send(message) {
      let timer: NodeJS.Timeout | undefined
      // nodemailer's own timeouts cover connecting, the greeting and each silence; this covers a server
      // that answers, slowly, for ever.
      const deadline = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${o.timeoutMs} ms`), o.timeoutMs)
      })
      const sent = transport().then(
        (t) => t.sendMail({
          from: o.from,
          to: o.to,
          subject: message.subject,
          text: message.text,
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Pgkeep-Event': message.event },
          xMailer: `pgkeep/${PGKEEP_VERSION}`,
          disableFileAccess: true,
          disableUrlAccess: true,
        }).then(() => null),
      ).catch((error: unknown) => describeSmtpError(error, o.timeoutMs, target))
      try {
        return await Promise.race([sent, deadline])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

// --- internal ---

async function createTransporter(target: SmtpTarget, timeoutMs: number): Promise<Transporter> {
  const { createTransport } = await import('nodemailer')
  return createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.auth ? { auth: target.auth } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false,
    debug: false,
  })
}

/** nodemailer's error as a short text: its code and the server's answer, with every secret of the URL masked. */
function describeSmtpError(error: unknown, timeoutMs: number, target: SmtpTarget): string {
  const e = error as { code?: string; message?: string; responseCode?: number } | undefined
  const text = e?.code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`
  return withoutSecrets(text.replace(/\s+/g, ' ').trim(), target)
}
