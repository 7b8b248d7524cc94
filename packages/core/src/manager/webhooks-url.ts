// A webhook URL split into what is sent and what may be named: credentials in the URL
// (https://user:pass@host/…) go into an Authorization header, since fetch() refuses them in the URL, and
// alerts, errors and logs name only the host (with its port), never the userinfo, path or query.

export interface WebhookTarget {
  /** The URL fetched: the given one without its userinfo. */
  readonly fetchUrl: string
  /** Authorization header for the URL's userinfo, if it had one. */
  readonly headers: Record<string, string>
  /** host[:port]: all that alerts and errors name. */
  readonly host: string
}

export function webhookTarget(url: string): WebhookTarget {
  const parsed = new URL(url)
  const headers: Record<string, string> = {}
  if (parsed.username !== '' || parsed.password !== '') {
    const userinfo = `${decoded(parsed.username)}:${decoded(parsed.password)}`
    headers.authorization = `Basic ${Buffer.from(userinfo, 'utf8').toString('base64')}`
    parsed.username = ''
    parsed.password = ''
  }
  return { fetchUrl: parsed.href, headers, host: parsed.host }
}

/** A percent-decoded userinfo part; as written when it is not valid percent-encoding. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/**
 * An error text with every form of the URL (as given, as fetched, and any http(s) URL at all) replaced by
 * its scheme and host: fetch and undici quote the URL in some messages.
 */
export function withoutUrl(text: string, url: string, target: WebhookTarget): string {
  const origin = `${new URL(target.fetchUrl).protocol}//${target.host}`
  let out = text.split(url).join(origin).split(target.fetchUrl).join(origin)
  out = out.replace(/\bhttps?:\/\/[^\s'"<>]+/gi, (found) => {
    try {
      const u = new URL(found)
      return `${u.protocol}//${u.host}`
    } catch {
      return '(a URL)'
    }
  })
  return out
}
