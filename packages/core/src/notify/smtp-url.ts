// The SMTP server of the e-mail notifications, given as a URL: smtp://[user[:password]@]host[:port]
// (port 587 by default, STARTTLS whenever the server offers it) or smtps://… (TLS from the start, port
// 465 by default). What may be named in errors, alerts and logs is the host and port alone: never the
// user name or the password.

export interface SmtpTarget {
  host: string
  port: number
  /** smtps: TLS from the first byte. */
  secure: boolean
  auth?: { user: string; pass: string }
  /** host:port, all that messages name. */
  label: string
  /** Texts never to show: the password, raw and percent-decoded, and the URL as given. */
  secrets: string[]
}

/** Why `url` is not an SMTP URL pgkeep accepts, or null when it is. Never quotes the URL. */
export function smtpUrlProblem(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be an smtp:// or smtps:// URL'
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return 'must be an smtp:// or smtps:// URL'
  if (parsed.hostname === '') return 'must name the SMTP host (smtp://user:password@host:port)'
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') {
    return 'must be smtp(s)://user:password@host:port alone, without a path, query or fragment'
  }
  if (parsed.password !== '' && parsed.username === '') return 'has a password but no user name'
  return null
}

/** The connection of a URL that smtpUrlProblem() accepted. */
export function smtpTarget(url: string): SmtpTarget {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'smtps:'
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587
  // IPv6 literals come bracketed from URL; the socket wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const user = decoded(parsed.username)
  const pass = decoded(parsed.password)
  const secrets = [url, pass, parsed.password].filter((s) => s !== '')
  return {
    host,
    port,
    secure,
    ...(user !== '' ? { auth: { user, pass } } : {}),
    label: `${parsed.hostname}:${port}`,
    secrets,
  }
}

/** `text` with every secret of the target replaced by "***", longest first. */
export function withoutSecrets(text: string, target: SmtpTarget): string {
  let out = text
  for (const secret of [...target.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***')
  return out.replace(/\bsmtps?:\/\/[^\s'"<>]+/gi, 'smtp://***')
}

// --- internal ---

/** A percent-decoded userinfo part; as written when it is not valid percent-encoding. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}
