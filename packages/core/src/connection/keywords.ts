// The connection keywords libpq knows, with the environment variable that supplies each one.
// Invariant: every keyword libpq accepts is listed, so a name missing here is a typo, not a gap;
// `support` says what pgkeep does with it (unsupported-options.ts refuses what pg cannot do).

/**
 * `used`: pgkeep honours the value. `ignored`: accepted, has no effect with node-postgres and is
 * harmless to drop. `limited`: only some values are possible (checked when resolving).
 */
export type KeywordSupport = 'used' | 'ignored' | 'limited'

export interface KeywordSpec {
  readonly env?: string
  readonly support: KeywordSupport
  /** The value is a secret: never echoed, redacted in connection strings. */
  readonly secret?: true
}

export const KEYWORDS = {
  host: { env: 'PGHOST', support: 'used' },
  hostaddr: { env: 'PGHOSTADDR', support: 'used' },
  port: { env: 'PGPORT', support: 'used' },
  dbname: { env: 'PGDATABASE', support: 'used' },
  user: { env: 'PGUSER', support: 'used' },
  password: { env: 'PGPASSWORD', support: 'used', secret: true },
  passfile: { env: 'PGPASSFILE', support: 'used' },
  service: { env: 'PGSERVICE', support: 'used' },
  servicefile: { env: 'PGSERVICEFILE', support: 'used' },
  connect_timeout: { env: 'PGCONNECT_TIMEOUT', support: 'used' },
  client_encoding: { env: 'PGCLIENTENCODING', support: 'used' },
  options: { env: 'PGOPTIONS', support: 'used' },
  application_name: { env: 'PGAPPNAME', support: 'used' },
  fallback_application_name: { support: 'used' },
  keepalives: { support: 'used' },
  keepalives_idle: { support: 'used' },
  keepalives_interval: { support: 'ignored' },
  keepalives_count: { support: 'ignored' },
  tcp_user_timeout: { support: 'ignored' },
  target_session_attrs: { env: 'PGTARGETSESSIONATTRS', support: 'used' },
  load_balance_hosts: { env: 'PGLOADBALANCEHOSTS', support: 'used' },
  sslmode: { env: 'PGSSLMODE', support: 'used' },
  sslnegotiation: { env: 'PGSSLNEGOTIATION', support: 'used' },
  sslrootcert: { env: 'PGSSLROOTCERT', support: 'used' },
  sslcert: { env: 'PGSSLCERT', support: 'used' },
  sslkey: { env: 'PGSSLKEY', support: 'used' },
  sslpassword: { support: 'used', secret: true },
  sslcrl: { env: 'PGSSLCRL', support: 'used' },
  ssl_min_protocol_version: { env: 'PGSSLMINPROTOCOLVERSION', support: 'used' },
  ssl_max_protocol_version: { env: 'PGSSLMAXPROTOCOLVERSION', support: 'used' },
  sslsni: { env: 'PGSSLSNI', support: 'ignored' },
  sslcompression: { env: 'PGSSLCOMPRESSION', support: 'ignored' },
  sslcertmode: { env: 'PGSSLCERTMODE', support: 'limited' },
  sslcrldir: { env: 'PGSSLCRLDIR', support: 'limited' },
  sslkeylogfile: { support: 'limited' },
  channel_binding: { env: 'PGCHANNELBINDING', support: 'limited' },
  gssencmode: { env: 'PGGSSENCMODE', support: 'limited' },
  krbsrvname: { env: 'PGKRBSRVNAME', support: 'ignored' },
  gsslib: { env: 'PGGSSLIB', support: 'ignored' },
  gssdelegation: { env: 'PGGSSDELEGATION', support: 'ignored' },
  require_auth: { env: 'PGREQUIREAUTH', support: 'limited' },
  requirepeer: { env: 'PGREQUIREPEER', support: 'limited' },
  replication: { support: 'limited' },
  min_protocol_version: { env: 'PGMINPROTOCOLVERSION', support: 'limited' },
  max_protocol_version: { env: 'PGMAXPROTOCOLVERSION', support: 'limited' },
  scram_client_key: { support: 'limited', secret: true },
  scram_server_key: { support: 'limited', secret: true },
  oauth_issuer: { support: 'limited' },
  oauth_client_id: { support: 'limited' },
  oauth_client_secret: { support: 'limited', secret: true },
  oauth_scope: { support: 'limited' },
} as const satisfies Record<string, KeywordSpec>

export type ConnKeyword = keyof typeof KEYWORDS

const KEYWORD_SPECS: Readonly<Record<string, KeywordSpec>> = KEYWORDS

export function isConnKeyword(name: string): name is ConnKeyword {
  return Object.hasOwn(KEYWORDS, name)
}

export function keywordSpec(name: ConnKeyword): KeywordSpec {
  return KEYWORD_SPECS[name]!
}

export function isSecretKeyword(name: string): boolean {
  return isConnKeyword(name) && keywordSpec(name).secret === true
}

export const CONN_KEYWORDS = Object.keys(KEYWORDS) as ConnKeyword[]
