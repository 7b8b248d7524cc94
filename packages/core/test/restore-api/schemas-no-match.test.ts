// restore()'s `schemas` names schemas exactly, as pg_restore -n does; a name the script has no entries in
// (a typo, a pattern, the wrong case) is PATTERN_NO_MATCH, as a `tables` name that matches nothing is, and
// the README's error table says of both. It was a success that restored nothing (or only the other schemas).
import { PassThrough } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dump, restore } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase
let script: Buffer

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'rs_schemas' })
  await runSql(source.url, `
    CREATE SCHEMA app; CREATE TABLE app.rooms (id integer PRIMARY KEY); INSERT INTO app.rooms VALUES (1), (2);
    CREATE SCHEMA empty_one;`)
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await dump({ connection: source.url }, out)
  script = Buffer.concat(chunks)
})
afterAll(() => source?.drop())

async function databaseExists(name: string): Promise<boolean> {
  return (await runSql(server.url, `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length > 0
}

/** A database holding the schemas (pg_restore -n restores the objects in a schema, not the schema itself). */
async function targetWithSchemas(): Promise<TestDatabase> {
  const target = await createDatabase(server.url, { prefix: 'rs_schemas_t' })
  await runSql(target.url, 'CREATE SCHEMA app; CREATE SCHEMA empty_one')
  return target
}

describe('restore() schemas', () => {
  it.each([['a typo', ['ap']], ['a pattern', ['a*']], ['the wrong case', ['APP']]])(
    'PATTERN_NO_MATCH for %s, and the database made for it is dropped', async (_what, schemas) => {
      const name = `rs_schemas_${process.pid}_${Math.floor(Math.random() * 1e9)}`
      const error = await failure(restore(script, { target: server.url, createDatabase: name, schemas }), 'PATTERN_NO_MATCH')
      expect(error.message).toBe(`the script has no schema named ${schemas[0]}`)
      expect(await databaseExists(name)).toBe(false)
    })

  it('PATTERN_NO_MATCH for one of two, and the other is rolled back', async () => {
    const target = await targetWithSchemas()
    try {
      const error = await failure(restore(script, { target: target.url, schemas: ['app', 'nope'], allowNonEmpty: true }), 'PATTERN_NO_MATCH')
      expect(error.message).toBe('the script has no schema named nope')
      expect(await runSql(target.url, "SELECT 1 FROM pg_class WHERE relname = 'rooms'")).toEqual([])
    } finally {
      await target.drop()
    }
  })

  it('restores a schema the script has, and accepts one it creates without objects in it', async () => {
    const target = await targetWithSchemas()
    try {
      const summary = await restore(script, { target: target.url, schemas: ['app', 'empty_one'], allowNonEmpty: true })
      expect(summary.tables.map((t) => `${t.schema}.${t.name}:${t.rows}`)).toEqual(['app.rooms:2'])
    } finally {
      await target.drop()
    }
  })
})
