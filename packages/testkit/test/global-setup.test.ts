// The globalSetup's provided servers reach this project: the default one and one per test major.
import { describe, expect, inject, it } from 'vitest'
import { runSql, testMajors } from '../src/index'

describe('global setup', () => {
  it('provides a default server that answers with its major', async () => {
    const { url, major } = inject('pgDefault')
    const rows = await runSql<{ v: string }>(url, `SELECT current_setting('server_version_num') AS v`)
    expect(Math.floor(Number(rows[0]!.v) / 10_000)).toBe(major)
    if (!process.env.TEST_DATABASE_URL) expect(major).toBe(15)
  })

  it('provides one server per major in PGKEEP_TEST_MAJORS', async () => {
    const servers = inject('pgServers')
    expect(Object.keys(servers).map(Number).sort()).toEqual(testMajors())
    for (const major of testMajors()) {
      const rows = await runSql<{ version: string }>(servers[major]!.url, 'SELECT version()')
      expect(rows[0]!.version).toMatch(new RegExp(`^PostgreSQL ${major}\\.`))
    }
  })
})
