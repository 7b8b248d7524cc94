// Real SMTP servers on 127.0.0.1 for the e-mail tests: the `smtp-server` package receiving mail (each
// message kept raw and parsed by `mailparser`), optionally with a user and password, or refusing every
// message with a 5xx. (A server that never says a word is @pgkeep/testkit/silent-server.)
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  /** The envelope: MAIL FROM and RCPT TO. */
  from: string
  to: string[]
  /** The user the client logged in as, if it did. */
  user: string | null
  raw: string
  parsed: ParsedMail
}

export interface SmtpTestServer {
  host: string
  port: number
  /** smtp://[user:password@]127.0.0.1:port */
  url: string
  received: ReceivedMail[]
  /** Messages the client tried to hand over (DATA), accepted or refused. */
  attempts: number
  close(): Promise<void>
}

export interface SmtpTestServerOptions {
  /** Require this user and password (AUTH PLAIN/LOGIN on the plain connection). */
  login?: { user: string; pass: string }
  /** Refuse every message at the end of DATA with this code and text, e.g. [550, 'mailbox unavailable']. */
  refuse?: [code: number, text: string]
}

export async function startSmtpServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = []
  const state = { attempts: 0 }
  const server = new SMTPServer({
    // No TLS on loopback: STARTTLS is not offered, and login is allowed in the clear.
    disabledCommands: options.login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.login,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.user && auth.password === options.login.pass) return callback(null, { user: auth.username })
      return callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }))
    },
    onData(stream, session, callback) {
      state.attempts++
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (options.refuse) return callback(Object.assign(new Error(options.refuse[1]), { responseCode: options.refuse[0] }))
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw).then((parsed) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : null,
            raw,
            parsed,
          })
          callback()
        }, (error: Error) => callback(error))
      })
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const { port } = server.server.address() as AddressInfo
  const login = options.login ? `${encodeURIComponent(options.login.user)}:${encodeURIComponent(options.login.pass)}@` : ''
  return {
    host: '127.0.0.1',
    port,
    url: `smtp://${login}127.0.0.1:${port}`,
    received,
    get attempts() {
      return state.attempts
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
