// Redaction of connection strings and scrubbing of messages.
import { describe, expect, it } from 'vitest'
import { redactConnectionString, scrubSecrets } from '../../src/connection/index.js'

describe('redactConnectionString', () => {
  const cases: [string, string][] = [
    ['postgresql://u:secret@h:5432/db', 'postgresql://u:***@h:5432/db'],
    ['postgres://u:p%40ss@h/db?sslmode=require', 'postgres://u:***@h/db?sslmode=require'],
    ['postgresql://:secret@h', 'postgresql://:***@h'],
    ['postgresql://u@h/db', 'postgresql://u@h/db'],
    ['postgresql://h:5432/db', 'postgresql://h:5432/db'],
    ['postgresql://h1:5432,h2:5433/db', 'postgresql://h1:5432,h2:5433/db'],
    ['postgresql://[::1]:5432/db', 'postgresql://[::1]:5432/db'],
    // "user:secret" without "@host" is host and port to libpq, but hidden all the same.
    ['postgresql://user:secret', 'postgresql://user:***'],
    ['postgresql://user:secret/db', 'postgresql://user:***/db'],
    ['postgresql:///db', 'postgresql:///db'],
    // An unencoded "@" or "/" in a password must not leak the rest of it.
    ['postgresql://u:p@ss@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://u:pa/ss@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://h/db?password=secret&user=u', 'postgresql://h/db?password=***&user=u'],
    ['postgresql://h/db?pass%77ord=secret', 'postgresql://h/db?pass%77ord=***'],
    ['postgresql://h/db?sslpassword=secret', 'postgresql://h/db?sslpassword=***'],
    ['postgresql://u:secret@h/db?%zz=1', 'postgresql://u:***@h/db?***'],
    ["host=h password=secret user=u", 'host=h password=*** user=u'],
    ["host=h password = 'sec ret' user=u", 'host=h password = *** user=u'],
    ["password=sec\\ ret dbname=x", 'password=*** dbname=x'],
    // Unparseable: what follows the error is dropped.
    ["host=h password='secret", 'host=h ***'],
    ['password=sec ret', 'password=*** ***'],
    ['password=sec ret=x dbname=d', 'password=*** *** dbname=d'],
    ['mydb', 'mydb'],
    ['', ''],
    // URIs libpq does not read as URIs (it takes them for a database name) hide their password too
    ['POSTGRESQL://u:secret@h/db', 'POSTGRESQL://u:***@h/db'],
    ['postgresql+psycopg2://u:secret@h:5432/db', 'postgresql+psycopg2://u:***@h:5432/db'],
    ['jdbc:postgresql://h:5432/db?user=u&password=secret', 'jdbc:postgresql://h:5432/db?user=u&password=***'],
    ['u:secret@h/db', 'u:***@h/db'],
    ['POSTGRESQL://h/db', 'POSTGRESQL://h/db'],
    ['db:name', 'db:name'],
  ]
  it.each(cases)('%s', (input, expected) => {
    expect(redactConnectionString(input)).toBe(expected)
  })
})

describe('scrubSecrets', () => {
  it('replaces every occurrence, plain and percent-encoded, longest first', () => {
    expect(scrubSecrets('a p@ss b p%40ss c', ['p@ss'])).toBe('a *** b *** c')
    expect(scrubSecrets('s3cret and s3cretlonger', ['s3cret', 's3cretlonger'])).toBe('*** and ***')
  })
  it('leaves a short plain word alone: masking it garbled the message and showed what the secret was', () => {
    // a reviewer's passphrases: "backup" made "*** ***-2026-12-06-….age", "e" made "unabl*** to d***crypt"
    expect(scrubSecrets('unable to decrypt backup-2026-12-06-1.sql.gz.age', ['e', 'backup'])).toBe('unable to decrypt backup-2026-12-06-1.sql.gz.age')
    expect(scrubSecrets('password authentication failed for user "postgres"', ['password', 'postgres'])).toBe('password authentication failed for user "postgres"')
    // 4 or more characters with anything but a letter, or 12 and more of any kind, are masked wherever they appear
    expect(scrubSecrets('kost123 p@ss 1234 Ünïcödé', ['kost123', 'p@ss', '1234', 'Ünïcödé'])).toBe('*** *** *** Ünïcödé')
    expect(scrubSecrets('the passphrase correcthorsebattery', ['correcthorsebattery'])).toBe('the passphrase ***')
    expect(scrubSecrets('ab1 x9', ['ab1', 'x9'])).toBe('ab1 x9')
  })
  it('ignores empty and missing secrets', () => {
    expect(scrubSecrets('text', ['', undefined])).toBe('text')
  })
})
