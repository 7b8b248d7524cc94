// Password files: libpq's field matching, escapes, permission rule, and how resolution uses them.
import { describe, expect, it } from 'vitest'
import { findPgpassPassword, resolveConnection, type PgpassKey } from '../../src/connection/index.js'
import { lookupPgpass } from '../../src/connection/pgpass.js'
import { memoryFs, socket, type MemoryEntry } from './memory-fs.js'

const key: PgpassKey = { host: 'db.example.com', port: '5432', dbname: 'app', user: 'alice' }

describe('findPgpassPassword', () => {
  const cases: [string, string, PgpassKey, string | undefined][] = [
    ['exact line', 'db.example.com:5432:app:alice:pw1', key, 'pw1'],
    ['wildcards', '*:*:*:*:pw2', key, 'pw2'],
    ['wildcard host only', '*:5432:app:alice:pw3', key, 'pw3'],
    ['other port', 'db.example.com:5433:app:alice:pw', key, undefined],
    ['other user', 'db.example.com:5432:app:bob:pw', key, undefined],
    ['partial field is no match', 'db.example:5432:app:alice:pw', key, undefined],
    ['"*" inside a field is literal', 'db.*:5432:app:alice:pw', key, undefined],
    ['escaped ":" and "\\" in the password', 'db.example.com:5432:app:alice:a\\:b\\\\c', key, 'a:b\\c'],
    ['password ends at an unescaped ":"', 'db.example.com:5432:app:alice:ab:cd', key, 'ab'],
    ['escaped ":" in a field', 'h\\:1:5432:app:alice:pw', { ...key, host: 'h:1' }, 'pw'],
    ['escaped "*" is a literal star', '\\*:5432:app:alice:pw', { ...key, host: '*' }, 'pw'],
    ['first match wins', 'db.example.com:5432:app:alice:first\n*:*:*:*:second', key, 'first'],
    ['comments and CRLF', '# db.example.com:5432:app:alice:no\r\n\r\ndb.example.com:5432:app:alice:yes\r\n', key, 'yes'],
    ['too few fields', 'db.example.com:5432:app', key, undefined],
    ['empty host key means localhost', 'localhost:5432:app:alice:local', { ...key, host: '' }, 'local'],
  ]
  it.each(cases)('%s', (_name, content, k, expected) => {
    expect(findPgpassPassword(content, k)).toBe(expected)
  })
})

describe('lookupPgpass: permissions', () => {
  const line = 'db.example.com:5432:app:alice:pw\n'
  it.each([
    [0o600, { found: true, password: 'pw' }],
    [0o400, { found: true, password: 'pw' }],
    [0o640, { found: false, ignored: 'group or world accessible' }],
    [0o604, { found: false, ignored: 'group or world accessible' }],
  ] as const)('mode %o', (mode, expected) => {
    expect(lookupPgpass('/p', key, memoryFs({ '/p': { content: line, mode } }))).toEqual(expected)
  })

  it('ignores what is not a plain file, and a missing file', () => {
    expect(lookupPgpass('/p', key, memoryFs({ '/p/x': 'x' }))).toEqual({ found: false, ignored: 'not a plain file' })
    expect(lookupPgpass('/nope', key, memoryFs())).toEqual({ found: false })
  })
})

describe('resolveConnection with a password file', () => {
  const HOME = '/home/alice'
  const resolve = (input: string, env: NodeJS.ProcessEnv, files: Record<string, MemoryEntry | string>) =>
    resolveConnection(input, env, {
      osUser: () => 'alice',
      homeDir: HOME,
      fs: memoryFs({ '/var/run/postgresql/.s.PGSQL.5432': socket, ...files }),
    })
  const pgpass = (content: string, mode = 0o600) => ({ [`${HOME}/.pgpass`]: { content, mode } })

  it('a socket connection to the default directory matches "localhost"', () => {
    const r = resolve('postgresql:///app', {}, pgpass('localhost:5432:app:alice:sockpw'))
    expect(r.password).toBe('sockpw')
    expect(r.passwordSource).toBe(`password file "${HOME}/.pgpass"`)
    expect(resolve('host=/var/run/postgresql dbname=app', {}, pgpass('localhost:5432:app:alice:sockpw')).password).toBe('sockpw')
  })

  it('another socket directory is matched literally (libpq)', () => {
    const files = { ...pgpass('localhost:*:*:*:local\n/tmp:*:*:*:tmppw'), '/tmp/.s.PGSQL.5432': socket }
    expect(resolve('host=/tmp dbname=app', {}, files).password).toBe('tmppw')
  })

  it('matches the host, port, database and user actually used (after env and defaults)', () => {
    const files = pgpass('db:6000:envdb:bob:right\n*:*:*:*:wrong')
    expect(resolve('postgresql://db', { PGPORT: '6000', PGDATABASE: 'envdb', PGUSER: 'bob' }, files).password).toBe('right')
  })

  it('hostaddr without host is matched by address', () => {
    expect(resolve('hostaddr=10.0.0.5 dbname=app', {}, pgpass('10.0.0.5:5432:app:alice:addrpw')).password).toBe('addrpw')
  })

  it('looks up each host of a list separately', () => {
    const r = resolve('postgresql://h1,h2/app', {}, pgpass('h2:5432:app:alice:pw2'))
    expect(r.password).toBeUndefined()
    expect(r.toClientConfig(1).password).toBeTypeOf('function')
    expect((r.toClientConfig(1).password as () => string)()).toBe('pw2')
  })

  it('PGPASSFILE and passfile= replace ~/.pgpass', () => {
    const files = { ...pgpass('*:*:*:*:home'), '/etc/alt': { content: '*:*:*:*:alt', mode: 0o600 } }
    expect(resolve('postgresql://h/app', { PGPASSFILE: '/etc/alt' }, files).password).toBe('alt')
    expect(resolve('postgresql://h/app?passfile=/etc/alt', {}, files).password).toBe('alt')
  })

  it('an explicit password or PGPASSWORD wins over the file', () => {
    const files = pgpass('*:*:*:*:filepw')
    expect(resolve('postgresql://:urlpw@h/app', {}, files).password).toBe('urlpw')
    expect(resolve('postgresql://h/app', { PGPASSWORD: 'envpw' }, files).password).toBe('envpw')
  })

  it('a group/world readable file is skipped without a warning, and the reason kept for hints', () => {
    const r = resolve('postgresql://h/app', {}, pgpass('*:*:*:*:filepw', 0o644))
    expect(r.password).toBeUndefined()
    expect(r.passfileNote).toBe(`password file "${HOME}/.pgpass" was ignored: group or world accessible`)
  })
})
