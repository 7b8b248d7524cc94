// Rejects libpq options whose requested behaviour pg cannot deliver, so that a security setting is
// never silently dropped. Invariant: an option passes only if connecting without it is what the
// user asked for (its default, or a value that is only a preference).

import { PgkeepError } from '../errors.js'
import type { ConnInfo } from './conninfo.js'
import type { ConnKeyword } from './keywords.js'

/** Options pg has no way to honour: any non-empty value is refused. */
const NEVER: Partial<Record<ConnKeyword, string>> = {
  require_auth: 'pg cannot restrict which authentication methods the server may use',
  requirepeer: 'pg cannot check the peer of a unix socket',
  sslcrldir: 'use sslcrl with a single revocation list file instead',
  sslkeylogfile: 'pg cannot write tls key logs',
  scram_client_key: 'pg cannot authenticate with scram keys',
  scram_server_key: 'pg cannot authenticate with scram keys',
  oauth_issuer: 'pg has no oauth authentication',
  oauth_client_id: 'pg has no oauth authentication',
  oauth_client_secret: 'pg has no oauth authentication',
  oauth_scope: 'pg has no oauth authentication',
}

/** Enumerated options: the values accepted, and the ones that are valid libpq but impossible here. */
const CHOICES: Partial<Record<ConnKeyword, { ok: string[]; unsupported: Record<string, string> }>> = {
  gssencmode: { ok: ['disable', 'prefer'], unsupported: { require: 'pg has no gssapi encryption; use sslmode for encryption' } },
  channel_binding: {
    ok: ['disable', 'prefer'],
    unsupported: { require: 'pg cannot insist on channel binding; prefer uses it whenever the server offers it over ssl' },
  },
  sslcertmode: { ok: ['disable', 'allow'], unsupported: { require: 'pg cannot check that the server asked for a client certificate' } },
  min_protocol_version: { ok: ['3.0'], unsupported: { '3.2': 'pg speaks protocol 3.0 only', latest: 'pg speaks protocol 3.0 only' } },
  max_protocol_version: { ok: ['3.0', '3.2', 'latest'], unsupported: {} },
  load_balance_hosts: { ok: ['disable', 'random'], unsupported: {} },
  replication: {
    ok: ['0', 'off', 'false', 'no', 'f', 'n'],
    unsupported: { database: 'pgkeep needs an ordinary connection', true: 'pgkeep needs an ordinary connection', on: 'pgkeep needs an ordinary connection', '1': 'pgkeep needs an ordinary connection', yes: 'pgkeep needs an ordinary connection' },
  },
}

export function checkSupported(info: ConnInfo, from: (keyword: string) => string): void {
  for (const [keyword, why] of Object.entries(NEVER) as [ConnKeyword, string][]) {
    if (info[keyword]) {
      throw new PgkeepError('CONNECTION_INVALID', `connection option "${keyword}"${from(keyword)} is not supported by pgkeep`, {
        hint: `${why}; remove the option to connect`,
      })
    }
  }
  for (const [keyword, choice] of Object.entries(CHOICES) as [ConnKeyword, NonNullable<(typeof CHOICES)[ConnKeyword]>][]) {
    const value = info[keyword]
    if (!value || choice.ok.includes(value.toLowerCase())) continue
    const why = choice.unsupported[value.toLowerCase()]
    if (why !== undefined) {
      throw new PgkeepError('CONNECTION_INVALID', `${keyword}=${value}${from(keyword)} is not supported by pgkeep`, { hint: why })
    }
    const expected = [...choice.ok, ...Object.keys(choice.unsupported)]
    throw new PgkeepError('CONNECTION_INVALID', `invalid ${keyword} "${value}"${from(keyword)}: expected ${expected.join(', ')}`)
  }
}
