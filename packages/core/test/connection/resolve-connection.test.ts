// Resolution against an injected environment, OS user and file system: libpq's precedence and defaults.
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors.js'
import {
  resolveConnection,
  type ConnectionParams,
  type ResolvedConnection,
} from '../../src/connection/index.js'
import { MissingPasswordError } from '../../src/connection/resolved-connection.js'
import { memoryFs, socket, type MemoryEntry } from './memory-fs.js'

const HOME = '/home/alice'
const SECRET = 'hunter2-Secret'

function resolve(
  input?: string | ConnectionParams,
  env: NodeJS.ProcessEnv = {},
  files: Record<string, MemoryEntry | string> = { '/var/run/postgresql/.s.PGSQL.5432': socket },
  extra: { random?: () => number } = {},
): ResolvedConnection {
  return resolveConnection(input, env, { osUser: () => 'alice', homeDir: HOME, fs: memoryFs(files), ...extra })
}

function errorOf(fn: () => unknown): Error & { code?: string; hint?: string } {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

describe('resolveConnection: defaults', () => {
  it('postgresql:///db is the local socket and the OS user', () => {
    const r = resolve('postgresql:///db')
    expect(r).toMatchObject({ host: '/var/run/postgresql', port: 5432, user: 'alice', database: 'db', ssl: false })
    expect(r.targets).toEqual([{ host: '/var/run/postgresql', hostaddr: undefined, port: 5432, socket: true }])
    expect(r.describe()).toBe('alice@/var/run/postgresql:5432/db')
    expect(r.password).toBeUndefined()
  })

  it('no input at all: dbname defaults to the user', () => {
    expect(resolve().describe()).toBe('alice@/var/run/postgresql:5432/alice')
    expect(resolve('').describe()).toBe('alice@/var/run/postgresql:5432/alice')
    expect(resolve('', { PGUSER: 'bob' }).database).toBe('bob')
  })

  it('a bare word is the database name', () => {
    expect(resolve('mydb').describe()).toBe('alice@/var/run/postgresql:5432/mydb')
  })

  const probes: [string, Record<string, MemoryEntry | string>, NodeJS.ProcessEnv, string, boolean][] = [
    ['socket in /tmp only', { '/tmp/.s.PGSQL.5432': socket, '/run/postgresql/x': 'x' }, {}, '/tmp', true],
    ['socket for the port asked', { '/var/run/postgresql/.s.PGSQL.5432': socket, '/run/postgresql/.s.PGSQL.5433': socket }, { PGPORT: '5433' }, '/run/postgresql', true],
    ['no socket: first existing directory', { '/run/postgresql/readme': 'x', '/tmp/x': 'x' }, {}, '/run/postgresql', true],
    ['a regular file is not a socket', { '/tmp/.s.PGSQL.5432': 'x' }, {}, '/tmp', true],
    ['nothing: localhost over tcp', {}, {}, 'localhost', false],
  ]
  it.each(probes)('default host: %s', (_name, files, env, host, isSocket) => {
    const r = resolve(undefined, env, files)
    expect(r.host).toBe(host)
    expect(r.targets[0]!.socket).toBe(isSocket)
  })

  it('uses os.userInfo() when no OS user is injected', () => {
    const r = resolveConnection('postgresql:///x', {}, { fs: memoryFs() })
    expect(r.user.length).toBeGreaterThan(0)
  })

  it('fails clearly when the OS user cannot be determined', () => {
    const error = errorOf(() =>
      resolveConnection('', {}, { fs: memoryFs(), osUser: () => { throw new Error('no passwd entry') } }),
    )
    expect(error).toMatchObject({ code: 'CONNECTION_INVALID', message: 'could not determine the operating-system user name' })
    expect(error.hint).toMatch(/PGUSER/)
  })
})

describe('resolveConnection: explicit values', () => {
  it('URI with credentials, port and query parameters', () => {
    const r = resolve('postgres://u:p%40ss@h:6543/d?sslmode=require&application_name=x')
    expect(r).toMatchObject({ host: 'h', port: 6543, user: 'u', database: 'd', application_name: 'x', sslmode: 'require' })
    expect(r.password).toBe('p@ss')
    expect(r.ssl).toMatchObject({ rejectUnauthorized: false })
    expect(r.describe()).toBe('u@h:6543/d')
    expect(r.passwordSource).toBe('the connection string')
  })

  it('percent-encoded socket directory', () => {
    const r = resolve('postgresql://%2Ftmp/db')
    expect(r.targets[0]).toEqual({ host: '/tmp', hostaddr: undefined, port: 5432, socket: true })
    expect(r.describe()).toBe('alice@/tmp:5432/db')
  })

  it('IPv6 literal', () => {
    const r = resolve('postgresql://[::1]:5433/db')
    expect(r).toMatchObject({ host: '::1', port: 5433 })
    expect(r.describe()).toBe('alice@[::1]:5433/db')
    expect(r.toClientConfig().host).toBe('::1')
  })

  it('keyword/value with quotes and escapes', () => {
    const r = resolve("host=localhost port=5432 dbname='my db' user=x password='it\\'s'")
    expect(r).toMatchObject({ host: 'localhost', port: 5432, database: 'my db', user: 'x' })
    expect(r.password).toBe("it's")
  })

  it('an object of keywords, with empty values ignored like PQconnectdbParams', () => {
    const r = resolve({ host: 'h', port: 6000, user: '', dbname: 'db' }, { PGUSER: 'envuser' })
    expect(r).toMatchObject({ host: 'h', port: 6000, user: 'envuser', database: 'db' })
  })

  it('an object whose dbname is a connection string expands it, overriding the rest (pg_dump -d)', () => {
    const r = resolve({ host: 'h', port: 6000, user: 'cli', dbname: 'postgresql://x/y?user=u' })
    expect(r).toMatchObject({ host: 'x', port: 6000, user: 'u', database: 'y' })
  })

  it('rejects unknown keys and odd types in an object', () => {
    expect(errorOf(() => resolve({ hots: 'h' } as ConnectionParams)).message).toBe('invalid connection option "hots"')
    expect(errorOf(() => resolve({ port: true } as unknown as ConnectionParams)).message).toBe(
      'connection option "port" must be a string or a number',
    )
  })
})

describe('resolveConnection: environment', () => {
  const cases: [string, string | undefined, NodeJS.ProcessEnv, Partial<Record<'host' | 'port' | 'user' | 'database' | 'application_name' | 'options', unknown>>][] = [
    ['URL user wins over PGUSER', 'postgresql://u@h/d', { PGUSER: 'envuser' }, { user: 'u' }],
    ['PGUSER fills a missing user', 'postgresql://h/d', { PGUSER: 'envuser' }, { user: 'envuser' }],
    ['PGPORT used when the URL has no port', 'postgresql://h/d', { PGPORT: '6543' }, { port: 6543 }],
    ['URL port wins over PGPORT', 'postgresql://h:7000/d', { PGPORT: '6543' }, { port: 7000 }],
    ['PGHOST used when the URL has no host', 'postgresql:///d', { PGHOST: 'envhost' }, { host: 'envhost' }],
    ['PGHOST socket directory', 'postgresql:///d', { PGHOST: '/tmp' }, { host: '/tmp' }],
    ['PGDATABASE used for "/"', 'postgresql://h/', { PGDATABASE: 'envdb' }, { database: 'envdb' }],
    ['URL dbname wins over PGDATABASE', 'postgresql://h/d', { PGDATABASE: 'envdb' }, { database: 'd' }],
    ['dbname defaults to PGUSER', 'postgresql://h', { PGUSER: 'envuser' }, { database: 'envuser' }],
    ['explicit empty user blocks PGUSER (libpq: OS user)', "user='' dbname=x", { PGUSER: 'envuser' }, { user: 'alice' }],
    ['empty PGHOST means the default', undefined, { PGHOST: '' }, { host: '/var/run/postgresql' }],
    ['PGAPPNAME', 'postgresql://h/d', { PGAPPNAME: 'envapp' }, { application_name: 'envapp' }],
    ['URL application_name wins', 'postgresql://h/d?application_name=a', { PGAPPNAME: 'envapp' }, { application_name: 'a' }],
    ['PGOPTIONS', undefined, { PGOPTIONS: '-c search_path=x' }, { options: '-c search_path=x' }],
  ]
  it.each(cases)('%s', (_name, input, env, expected) => {
    expect(resolve(input, env)).toMatchObject(expected)
  })

  it('PGPASSWORD when the connection has none', () => {
    const r = resolve('postgresql://h/d', { PGPASSWORD: SECRET })
    expect(r.password).toBe(SECRET)
    expect(r.passwordSource).toBe('PGPASSWORD')
    expect(resolve(`postgresql://:other@h/d`, { PGPASSWORD: SECRET }).password).toBe('other')
  })

  it('PGCONNECT_TIMEOUT with libpq rules (≤0 forever, minimum 2 s)', () => {
    expect(resolve(undefined, { PGCONNECT_TIMEOUT: '10' }).connectionTimeoutMillis).toBe(10_000)
    expect(resolve(undefined, { PGCONNECT_TIMEOUT: ' 1 ' }).connectionTimeoutMillis).toBe(2_000)
    expect(resolve(undefined, { PGCONNECT_TIMEOUT: '-5' }).connectionTimeoutMillis).toBe(0)
    expect(resolve(undefined, {}).connectionTimeoutMillis).toBe(0)
  })

  it('PGSSLMODE, PGCLIENTENCODING, PGTARGETSESSIONATTRS', () => {
    const r = resolve('postgresql://h/d', { PGSSLMODE: 'disable', PGCLIENTENCODING: 'LATIN1', PGTARGETSESSIONATTRS: 'read-write' })
    expect(r).toMatchObject({ sslmode: 'disable', ssl: false, clientEncoding: 'LATIN1', targetSessionAttrs: 'read-write' })
  })

  it('PGHOSTADDR: connect to the address, keep the name for SSL', () => {
    const r = resolve('postgresql://db.example.com/d?sslmode=require', { PGHOSTADDR: '10.0.0.5' })
    const config = r.toClientConfig()
    expect(config.host).toBe('10.0.0.5')
    expect(config.ssl).toMatchObject({ servername: 'db.example.com', rejectUnauthorized: false })
    expect(r.describe()).toBe('alice@db.example.com:5432/d')
  })
})

describe('resolveConnection: several hosts', () => {
  it('takes host and port lists as targets tried in order', () => {
    const r = resolve('postgresql://h1,h2:5433/db')
    expect(r.targets.map((t) => [t.host, t.port])).toEqual([
      ['h1', 5432],
      ['h2', 5433],
    ])
    expect(r.describe()).toBe('alice@h1:5432,h2:5433/db')
  })

  it('one port applies to every host; an empty host is the default socket', () => {
    const r = resolve('host=h1,,h3 port=6000', {}, { '/tmp/.s.PGSQL.6000': socket })
    expect(r.targets.map((t) => [t.host, t.port, t.socket])).toEqual([
      ['h1', 6000, false],
      ['/tmp', 6000, true],
      ['h3', 6000, false],
    ])
  })

  it('load_balance_hosts=random shuffles targets with their passwords', () => {
    const r = resolve('postgresql://:pw@h1,h2,h3/db?load_balance_hosts=random', {}, undefined, { random: () => 0 })
    expect(r.targets.map((t) => t.host)).toEqual(['h2', 'h3', 'h1'])
  })
})

describe('resolveConnection: sslmode', () => {
  const tcp = 'postgresql://h/d?sslmode='
  it.each([
    ['disable', [false]],
    ['allow', [false, true]],
    ['prefer', [true, false]],
    ['require', [true]],
  ] as const)('%s', (mode, attempts) => {
    const r = resolve(tcp + mode)
    expect(r.sslAttempts()).toEqual(attempts)
    if (mode === 'require') expect(r.ssl).toMatchObject({ rejectUnauthorized: false, minVersion: 'TLSv1.2' })
    else expect(r.ssl).toBe(false)
  })

  it('defaults to prefer, and never uses SSL on a socket', () => {
    expect(resolve('postgresql://h/d').sslmode).toBe('prefer')
    const r = resolve('postgresql:///d?sslmode=verify-full')
    expect(r.sslAttempts()).toEqual([false])
    expect(r.ssl).toBe(false)
  })

  it('require verifies the chain when ~/.postgresql/root.crt exists (libpq compatibility)', () => {
    const r = resolve(tcp + 'require', {}, { [`${HOME}/.postgresql/root.crt`]: 'CA' })
    expect(r.ssl).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA') })
    expect((r.ssl as { checkServerIdentity?: () => unknown }).checkServerIdentity?.()).toBeUndefined()
  })

  it('verify-ca loads sslrootcert and skips the host name check', () => {
    const r = resolve(tcp + 'verify-ca&sslrootcert=/ca.pem', {}, { '/ca.pem': 'CA' })
    expect(r.ssl).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA') })
    expect(typeof (r.ssl as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function')
  })

  it('verify-full keeps the host name check and loads client certificate, key and CRL', () => {
    const r = resolve(
      tcp + 'verify-full',
      { PGSSLROOTCERT: '/ca.pem', PGSSLCERT: '/c.crt', PGSSLKEY: '/c.key', PGSSLCRL: '/r.crl' },
      { '/ca.pem': 'CA', '/c.crt': 'CERT', '/c.key': { content: 'KEY', mode: 0o600 }, '/r.crl': 'CRL' },
    )
    expect(r.ssl).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA'), cert: Buffer.from('CERT'), crl: Buffer.from('CRL') })
    const ssl = r.ssl as { checkServerIdentity?: unknown; key?: Buffer }
    expect(ssl.checkServerIdentity).toBeUndefined()
    expect(ssl.key).toEqual(Buffer.from('KEY'))
    expect(Object.keys(ssl)).not.toContain('key')
  })

  it('sslrootcert=system uses the system CAs with verify-full only', () => {
    expect(resolve(tcp + 'verify-full&sslrootcert=system').ssl).toMatchObject({ rejectUnauthorized: true })
    expect((resolve(tcp + 'verify-full&sslrootcert=system').ssl as { ca?: unknown }).ca).toBeUndefined()
    expect(errorOf(() => resolve(tcp + 'verify-ca&sslrootcert=system')).message).toBe(
      'weak sslmode "verify-ca" may not be used with sslrootcert=system',
    )
  })

  const invalid: [string, string, Record<string, MemoryEntry | string>, string][] = [
    ['missing root certificate', 'verify-ca', {}, `root certificate file "${HOME}/.postgresql/root.crt" does not exist`],
    ['certificate without key', 'require&sslcert=/c.crt', { '/c.crt': 'CERT' }, `certificate present, but not private key file "${HOME}/.postgresql/postgresql.key"`],
    ['key readable by others', 'require&sslcert=/c.crt&sslkey=/c.key', { '/c.crt': 'C', '/c.key': { content: 'K', mode: 0o644 } }, 'private key file "/c.key" has group or world access'],
    ['bad protocol version', 'require&ssl_min_protocol_version=SSLv3', {}, 'invalid ssl_min_protocol_version "SSLv3": expected TLSv1, TLSv1.1, TLSv1.2, TLSv1.3'],
    ['direct negotiation with prefer', 'prefer&sslnegotiation=direct', {}, 'sslnegotiation=direct cannot be used with sslmode=prefer'],
  ]
  it.each(invalid)('%s', (_name, query, files, message) => {
    const error = errorOf(() => resolve(tcp + query, {}, files))
    expect(error).toMatchObject({ code: 'CONNECTION_INVALID', message })
  })

  it('a key owned by root may be group-readable (0640), as libpq allows', () => {
    const files = { '/c.crt': 'C', '/c.key': { content: 'K', mode: 0o640, uid: 0 } }
    expect(resolve(tcp + 'require&sslcert=/c.crt&sslkey=/c.key', {}, files).ssl).toMatchObject({ cert: Buffer.from('C') })
  })

  it('an sslcert that does not exist is skipped, as libpq does', () => {
    expect(resolve(tcp + 'require&sslcert=/nope.crt').ssl).toMatchObject({ rejectUnauthorized: false })
  })
})

describe('resolveConnection: client config', () => {
  it('sets every field pg would otherwise take from process.env', () => {
    const r = resolve(`postgresql://u:${SECRET}@h:6000/d?application_name=a&options=-c%20x%3D1&connect_timeout=5&keepalives_idle=30`)
    const config = r.toClientConfig(0, undefined, 'pgkeep')
    expect(config).toMatchObject({
      host: 'h',
      port: 6000,
      user: 'u',
      database: 'd',
      ssl: false,
      sslnegotiation: 'postgres',
      application_name: 'a',
      fallback_application_name: 'pgkeep',
      options: '-c x=1',
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    })
    expect(typeof config.password).toBe('function')
    expect((config.password as () => string)()).toBe(SECRET)
  })

  it('the password callback refuses when there is no password, instead of pg guessing one', () => {
    const config = resolve('postgresql://h/d').toClientConfig()
    expect(() => (config.password as () => string)()).toThrow(MissingPasswordError)
  })

  it('never shows the password', () => {
    const r = resolve(`postgresql://u:${SECRET}@h/d`, { PGPASSWORD: 'other' })
    for (const text of [r.describe(), String(r), `${r}`, JSON.stringify(r), inspect(r, { showHidden: true, depth: 5 }), JSON.stringify(r.toClientConfig())]) {
      expect(text).not.toContain(SECRET)
    }
    expect(Object.keys(r)).not.toContain('password')
  })
})

describe('resolveConnection: invalid values', () => {
  const cases: [string, string | ConnectionParams, NodeJS.ProcessEnv, string][] = [
    ['port not a number', `postgresql://u:${SECRET}@h:abc/d`, {}, 'invalid port: expected an integer from 1 to 65535'],
    ['password typed without "@host"', `postgresql://u:${SECRET}`, {}, 'invalid port: expected an integer from 1 to 65535'],
    ['port with a sign', 'port=-1', {}, 'invalid port "-1": expected an integer from 1 to 65535'],
    ['port out of range', 'port=70000', {}, 'invalid port "70000": expected an integer from 1 to 65535'],
    ['port from the environment', `postgresql://:${SECRET}@h/d`, { PGPORT: '0' }, 'invalid port "0" from PGPORT: expected an integer from 1 to 65535'],
    ['sslmode', `postgresql://:${SECRET}@h/d?sslmode=bogus`, {}, 'invalid sslmode "bogus": expected disable, allow, prefer, require, verify-ca, verify-full'],
    ['sslmode from env, even for a socket', 'postgresql:///d', { PGSSLMODE: 'on' }, 'invalid sslmode "on" from PGSSLMODE: expected disable, allow, prefer, require, verify-ca, verify-full'],
    ['connect_timeout', 'connect_timeout=ten', {}, 'invalid connect_timeout "ten": expected an integer'],
    ['connect_timeout fraction', 'connect_timeout=1.5', {}, 'invalid connect_timeout "1.5": expected an integer'],
    ['target_session_attrs', 'target_session_attrs=master', {}, 'invalid target_session_attrs "master": expected any, read-write, read-only, primary, standby, prefer-standby'],
    ['load_balance_hosts', 'load_balance_hosts=yes', {}, 'invalid load_balance_hosts "yes": expected disable, random'],
    ['ports and hosts', 'host=a,b port=1,2,3', {}, 'could not match 3 port numbers to 2 hosts'],
    ['hosts and hostaddrs', 'host=a,b hostaddr=10.0.0.1', {}, 'could not match 2 host names to 1 hostaddr values'],
    ['hostaddr not numeric', 'hostaddr=db.example.com', {}, 'invalid hostaddr "db.example.com": expected a numeric ip address'],
    ['abstract socket', 'host=@pg', {}, 'abstract unix socket "@pg" is not supported'],
    ['gssencmode=require', 'gssencmode=require', {}, 'gssencmode=require is not supported by pgkeep'],
    ['channel_binding=require from env', 'dbname=x', { PGCHANNELBINDING: 'require' }, 'channel_binding=require from PGCHANNELBINDING is not supported by pgkeep'],
    ['require_auth', 'require_auth=scram-sha-256', {}, 'connection option "require_auth" is not supported by pgkeep'],
    ['replication', 'replication=database', {}, 'replication=database is not supported by pgkeep'],
    ['gssencmode value', 'gssencmode=maybe', {}, 'invalid gssencmode "maybe": expected disable, prefer, require'],
  ]
  it.each(cases)('%s', (_name, input, env, message) => {
    const error = errorOf(() => resolve(input, env))
    expect(isPgkeepError(error, 'CONNECTION_INVALID')).toBe(true)
    expect(error.message).toBe(message)
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain(SECRET)
  })

  it('accepts harmless options pg cannot use', () => {
    expect(() => resolve('keepalives_count=3 tcp_user_timeout=10 gssencmode=disable channel_binding=disable sslsni=0 krbsrvname=x replication=false')).not.toThrow()
  })
})

describe('resolveConnection: service files', () => {
  const userFile = `${HOME}/.pg_service.conf`
  const services = {
    [userFile]: '# mine\n[mysvc]\nhost=svchost\nport=6000\nuser=svcuser\ndbname=svcdb\n\n[other]\nhost=otherhost\n',
    '/etc/pg/pg_service.conf': '[syssvc]\nhost=syshost\n',
    '/var/run/postgresql/.s.PGSQL.5432': socket,
  }

  it('fills what the connection string leaves unset, before the environment', () => {
    const r = resolve('service=mysvc user=override', { PGHOST: 'envhost', PGPORT: '7000' }, services)
    expect(r).toMatchObject({ host: 'svchost', port: 6000, user: 'override', database: 'svcdb' })
  })

  it('PGSERVICE, and the system file under PGSYSCONFDIR', () => {
    expect(resolve(undefined, { PGSERVICE: 'other' }, services).host).toBe('otherhost')
    expect(resolve('service=syssvc', { PGSYSCONFDIR: '/etc/pg' }, services).host).toBe('syshost')
    expect(errorOf(() => resolve('service=mysvc', { PGSERVICEFILE: '/nope' }, services)).message).toBe(
      'definition of service "mysvc" not found',
    )
  })

  it('reports a missing service and bad lines', () => {
    expect(errorOf(() => resolve('service=nope', {}, services)).message).toBe('definition of service "nope" not found')
    const bad = { [userFile]: '[s]\nhots=x\n' }
    expect(errorOf(() => resolve('service=s', {}, bad)).message).toBe(`invalid connection option "hots" in service file "${userFile}", line 2`)
    const noEq = { [userFile]: `[s]\npassword ${SECRET}\n` }
    const error = errorOf(() => resolve('service=s', {}, noEq))
    expect(error.message).toBe(`syntax error in service file "${userFile}", line 2`)
  })

  it('invalid values from a service name the service', () => {
    const files = { [userFile]: '[s]\nport=99999\n' }
    expect(errorOf(() => resolve('service=s', {}, files)).message).toBe(
      `invalid port "99999" from service "s" in "${userFile}": expected an integer from 1 to 65535`,
    )
  })
})
