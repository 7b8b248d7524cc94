// Throwaway databases: unique names, percent-encoded URLs, drop even while sessions are open.
import { describe, expect, inject, it } from 'vitest'
import { createDatabase, runSql, withClient, withDatabase } from '../src/index'

describe('createDatabase', () => {
  it('creates a uniquely named database and drops it despite open sessions', async () => {
    const server = inject('pgDefault').url
    const [a, b] = await Promise.all([createDatabase(server, { prefix: 'Kit Test!' }), createDatabase(server, { prefix: 'Kit Test!' })])
    expect(a.name).not.toBe(b.name)
    expect(a.name).toMatch(/^kit_test__\d+_\d+_[0-9a-f]{6}$/)
    await b.drop()
    const open = await withClient(a.url, async (client) => {
      expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(a.name)
      await a.drop() // WITH (FORCE) ends this session
      return client.query('SELECT 1').then(
        () => 'still open',
        () => 'closed',
      )
    })
    expect(open).toBe('closed')
    const left = await runSql(server, `SELECT datname FROM pg_database WHERE datname IN ('${a.name}', '${b.name}')`)
    expect(left).toEqual([])
    await a.drop()
  })

  it('copies a template database', async () => {
    const server = inject('pgDefault').url
    const source = await createDatabase(server, { prefix: 'tpl' })
    try {
      await runSql(source.url, 'CREATE TABLE t (x int); INSERT INTO t VALUES (7)')
      const copy = await createDatabase(server, { template: source.name })
      try {
        expect(await runSql(copy.url, 'SELECT x FROM t')).toEqual([{ x: 7 }])
      } finally {
        await copy.drop()
      }
    } finally {
      await source.drop()
    }
  })

  it('percent-encodes database names in URLs', () => {
    expect(withDatabase('postgresql://u@127.0.0.1:5432/postgres?sslmode=disable', 'a b/ü')).toBe(
      'postgresql://u@127.0.0.1:5432/a%20b%2F%C3%BC?sslmode=disable',
    )
  })

  it('returns the rows of the last statement of a script', async () => {
    const rows = await runSql<{ n: number }>(inject('pgDefault').url, 'SELECT 1 AS n; SELECT 2 AS n')
    expect(rows).toEqual([{ n: 2 }])
  })
})
