// restore({ createDatabase }) as a role that may not create databases: PERMISSION_DENIED with a hint that
// names CREATEDB (as verify's scratch database does), before anything is applied, and no database made.
import { randomBytes } from 'node:crypto'
import { createDatabase, quoteIdent, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { failure } from '../failure'
import { dumpToFile } from '../helpers/dump-to-file'

const server = inject('pgDefault')
const role = `pgkeep_nocreatedb_${randomBytes(4).toString('hex')}`
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'createdb_denied' })
  await runSql(source.url, 'CREATE TABLE rooms (id integer PRIMARY KEY); INSERT INTO rooms VALUES (1), (2);')
  await runSql(server.url, `CREATE ROLE ${quoteIdent(role)} LOGIN NOCREATEDB`)
}, 120_000)
afterAll(async () => {
  await runSql(server.url, `DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => {})
  await source?.drop()
})

describe('restore with createDatabase, as a role without CREATEDB', () => {
  it('is PERMISSION_DENIED with a hint, and makes nothing', async () => {
    const { file } = await dumpToFile({ connection: source.url })
    const asRole = new URL(server.url)
    asRole.username = role
    const name = `createdb_denied_${randomBytes(3).toString('hex')}`
    const denied = await failure(restore(file, { target: asRole.toString(), createDatabase: name }), 'PERMISSION_DENIED')
    expect(denied.message).toBe(`unable to create database ${name}: permission denied to create database`)
    expect(denied.hint).toMatch(/CREATEDB/)
    expect((denied.cause as { code?: string }).code).toBe('42501')
    expect(await runSql(server.url, `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).toEqual([])
  })
})
