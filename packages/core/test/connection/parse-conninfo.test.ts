// Parsing of the three connection forms libpq/psql accept: URI, keyword/value, bare dbname.
import { describe, expect, it } from 'vitest'
import { isPgkeepError } from '../../src/errors.js'
import { isConnectionString, parseConnInfo, type ConnInfo } from '../../src/connection/index.js'

describe('parseConnInfo: URIs', () => {
  const cases: [string, ConnInfo][] = [
    ['postgresql:///db', { dbname: 'db' }],
    ['postgresql://', {}],
    ['postgres://', {}],
    ['postgresql:///', {}],
    [
      'postgres://u:p%40ss@h:6543/d?sslmode=require&application_name=x',
      { user: 'u', password: 'p@ss', host: 'h', port: '6543', dbname: 'd', sslmode: 'require', application_name: 'x' },
    ],
    ['postgresql://%2Ftmp/db', { host: '/tmp', dbname: 'db' }],
    ['postgresql://%2Fvar%2Frun%2Fpostgresql/db', { host: '/var/run/postgresql', dbname: 'db' }],
    ['postgresql://[::1]:5433/db', { host: '::1', port: '5433', dbname: 'db' }],
    ['postgresql://[2001:db8::7]/db', { host: '2001:db8::7', dbname: 'db' }],
    ['postgresql://h1,h2:5433/db', { host: 'h1,h2', port: ',5433', dbname: 'db' }],
    ['postgresql://h1:5432,[::1]:5433,h3', { host: 'h1,::1,h3', port: '5432,5433,' }],
    ['postgresql://u@h', { user: 'u', host: 'h' }],
    ['postgresql://:secret@h', { password: 'secret', host: 'h' }],
    ['postgresql://user@/db', { user: 'user', dbname: 'db' }],
    ['postgresql://:5433/db', { port: '5433', dbname: 'db' }],
    ['postgresql://h/', { host: 'h' }],
    ['postgresql://h?', { host: 'h' }],
    ['postgresql://h/db?host=/tmp&port=5433', { host: '/tmp', port: '5433', dbname: 'db' }],
    ['postgresql:///db?host=%2Ftmp&user=me', { host: '/tmp', user: 'me', dbname: 'db' }],
    ['postgresql://h/?dbname=x', { host: 'h', dbname: 'x' }],
    ['postgresql://h?ssl=true', { host: 'h', sslmode: 'require' }],
    ['postgresql://h/my%20db?options=-c%20search_path%3Dfoo', { host: 'h', dbname: 'my db', options: '-c search_path=foo' }],
    ['postgresql://h/db?application_name=', { host: 'h', dbname: 'db', application_name: '' }],
    ['postgresql://h/db?application_name=a+b', { host: 'h', dbname: 'db', application_name: 'a+b' }],
    ['postgresql://h/db?connect_timeout=10&', { host: 'h', dbname: 'db', connect_timeout: '10' }],
    ['postgresql://h/d%C3%A9j%C3%A0', { host: 'h', dbname: 'déjà' }],
    [
      'postgresql://h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.crt&sslkey=/c.key&target_session_attrs=read-write&passfile=/p',
      {
        host: 'h',
        dbname: 'db',
        sslmode: 'verify-full',
        sslrootcert: '/ca.pem',
        sslcert: '/c.crt',
        sslkey: '/c.key',
        target_session_attrs: 'read-write',
        passfile: '/p',
      },
    ],
    // libpq looks for "@" up to the first "/", so a "?" before it is part of the user name.
    ['postgresql://h?x=a@b', { user: 'h?x=a', host: 'b' }],
    // ...and a bare "@" in a password ends it early (psql: host "ss@host").
    ['postgresql://u:p@ss@host/db', { user: 'u', password: 'p', host: 'ss@host', dbname: 'db' }],
  ]
  it.each(cases)('%s', (input, expected) => {
    expect(parseConnInfo(input)).toEqual(expected)
  })
})

describe('parseConnInfo: keyword/value strings', () => {
  const cases: [string, ConnInfo][] = [
    ["host=localhost port=5432 dbname='my db' user=x", { host: 'localhost', port: '5432', dbname: 'my db', user: 'x' }],
    ["dbname = 'it\\'s'   password=a\\ b", { dbname: "it's", password: 'a b' }],
    ["password='back\\\\slash'", { password: 'back\\slash' }],
    ["host=h dbname=''", { host: 'h', dbname: '' }],
    ["dbname='a'user=x", { dbname: 'a', user: 'x' }],
    ['  host=/tmp\tport=5433\n', { host: '/tmp', port: '5433' }],
    ['host=h1,h2 port=5432,5433', { host: 'h1,h2', port: '5432,5433' }],
    ["options='-c search_path=a,b'", { options: '-c search_path=a,b' }],
    ['dbname=x dbname=y', { dbname: 'y' }],
    ["dbname=postgresql://h/db", { dbname: 'postgresql://h/db' }],
  ]
  it.each(cases)('%s', (input, expected) => {
    expect(parseConnInfo(input)).toEqual(expected)
  })
})

describe('parseConnInfo: other strings', () => {
  it('takes a bare word as the database name, as psql does', () => {
    expect(parseConnInfo('mydb')).toEqual({ dbname: 'mydb' })
    expect(parseConnInfo('my db')).toEqual({ dbname: 'my db' })
    expect(parseConnInfo('POSTGRESQL://h/db')).toEqual({ dbname: 'POSTGRESQL://h/db' })
  })
  it('gives all defaults for the empty string', () => {
    expect(parseConnInfo('')).toEqual({})
  })
  it('recognises connection strings like libpq', () => {
    expect(isConnectionString('postgres://x')).toBe(true)
    expect(isConnectionString('a=b')).toBe(true)
    expect(isConnectionString('mydb')).toBe(false)
  })
})

describe('parseConnInfo: invalid input', () => {
  const SECRET = 'hunter2xyz'
  const cases: [string, RegExp][] = [
    ['postgresql://h/db?foo=1', /^invalid connection option "foo" in uri query$/],
    ['postgresql://h/db?ssl=false', /^invalid connection option "ssl" in uri query$/],
    ['host=h foo=1', /^invalid connection option "foo"$/],
    ['my=db', /^invalid connection option "my"$/],
    ['host=h dbname', /^missing "=" after "dbname" in connection info string$/],
    ["host='abc", /^unterminated quoted string in the value of "host" in connection info string$/],
    [`password='${SECRET}`, /^unterminated quoted string in the value of "password"/],
    ['postgresql://[::1/db', /^unterminated ipv6 host address in uri \(missing "]"\)$/],
    ['postgresql://[]/db', /^empty ipv6 host address in uri$/],
    ['postgresql://[::1]x/db', /^unexpected character "x" after ipv6 host address in uri/],
    [`postgresql://u:${SECRET}%zz@h/db`, /^invalid percent-encoded token in the uri's password$/],
    [`postgresql://u:${SECRET}%00@h/db`, /^forbidden value %00 in the uri's password$/],
    [`postgresql://h/db?password=${SECRET}%4`, /^invalid percent-encoded token in the uri's query parameter "password"$/],
    ['postgresql://h/%zz', /^invalid percent-encoded token in the uri's database name: "%zz"$/],
    ['postgresql://h/db?sslmode', /^uri query parameter 1 has no "=" \(expected keyword=value\)$/],
    [`postgresql://h/db?password=${SECRET}=x`, /^uri query parameter "password" has more than one "="$/],
    [`password=${SECRET} ${SECRET}2 host=h`, /^missing "=" after the value of "password" in connection info string \(quote values that contain spaces\)$/],
    [`password=${SECRET} ${SECRET}=x`, /^invalid connection option after the value of "password" \(quote values that contain spaces\)$/],
  ]
  it.each(cases)('%s', (input, message) => {
    let caught: unknown
    try {
      parseConnInfo(input)
    } catch (error) {
      caught = error
    }
    expect(isPgkeepError(caught, 'CONNECTION_INVALID')).toBe(true)
    const text = (caught as Error).message
    expect(text).toMatch(message)
    expect(text).not.toContain(SECRET)
    expect(text).not.toMatch(/\.$/)
  })
})
