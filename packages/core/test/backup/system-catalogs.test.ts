// A backup selects among the database's own tables: a pattern never matches a system catalog
// (pg_dump's `-t pg_authid` and `-t '*'` do: search_path always holds pg_catalog). Over the routes the
// caller is an app's admin, and pg_catalog.pg_authid holds every role's password hash on the server.
// dump() keeps pg_dump's matching.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, dump, fsStorage } from '../../src/index'
import { handleBackupRequest } from '../../src/http/dispatch'
import { resolveHttpConfig } from '../../src/http/http-config'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'system_catalogs' })
  await runSql(source.url, `CREATE TABLE rooms (id integer PRIMARY KEY); INSERT INTO rooms VALUES (1), (2);
    CREATE SCHEMA app; CREATE TABLE app.bills (id integer PRIMARY KEY); INSERT INTO app.bills VALUES (1);`)
}, 120_000)
afterAll(() => source?.drop())

async function manager() {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-system-catalogs-'))
  return createBackupManager({ connection: source.url, storage: fsStorage({ dir }), rateLimit: false })
}

describe('system catalogs and backups', () => {
  it('refuses a table or schema pattern that only a system catalog matches, naming why', async () => {
    const backups = await manager()
    for (const tables of [['pg_catalog.pg_authid'], ['pg_authid'], ['information_schema.sql_features'], ['pg_toast.*']]) {
      const refused = await failure(backups.create({ tables }), 'PATTERN_NO_MATCH')
      expect(refused.message).toBe(`no matching tables were found for pattern "${tables[0]}"`)
      expect(refused.hint).toMatch(/^system schemas \(pg_catalog, information_schema, pg_toast\) and their tables are not backed up/)
    }
    const schema = await failure(backups.create({ schemas: ['pg_catalog'] }), 'PATTERN_NO_MATCH')
    expect(schema.message).toBe('no matching schemas were found for pattern "pg_catalog"')
    expect(await backups.list()).toEqual([])
  })

  it('matches only the database\'s own tables with a wildcard', async () => {
    const backups = await manager()
    const all = await backups.create({ tables: ['*'] })
    expect(all.metadata.tables.sort()).toEqual(['public.rooms'])
    const everywhere = await backups.create({ tables: ['*.*'] })
    expect(everywhere.metadata.tables.sort()).toEqual(['app.bills', 'public.rooms'])
  })

  it('answers the route POST /database with 400 and the hint, and stores nothing', async () => {
    const backups = await manager()
    const result = await handleBackupRequest(
      { method: 'POST', path: '/database', query: { download: '0' }, headers: { 'content-type': 'application/json' }, body: { tables: ['pg_catalog.pg_authid'] }, signal: new AbortController().signal },
      { manager: backups, config: resolveHttpConfig({ tokenSecret: 's'.repeat(32) }), authorize: () => 'admin', log: () => {} },
    )
    expect(result.status).toBe(400)
    expect(result.kind === 'json' ? result.json : null).toMatchObject({ code: 'PATTERN_NO_MATCH', message: expect.stringContaining('pg_catalog.pg_authid') })
    expect(JSON.stringify(result)).not.toContain('rolpassword')
    expect(await backups.list()).toEqual([])
  })

  it('leaves dump() matching as pg_dump does', async () => {
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (c: Buffer) => chunks.push(c))
    await dump({ connection: source.url, tables: ['pg_catalog.pg_database'], schemaOnly: true }, out)
    expect(Buffer.concat(chunks).toString('utf8')).toContain('CREATE TABLE pg_catalog.pg_database (')
  })
})
