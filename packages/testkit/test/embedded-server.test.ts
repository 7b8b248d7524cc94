// Embedded servers start for 15 and every major in PGKEEP_TEST_MAJORS, side by side, answer version(),
// and stop leaving nothing behind; a data folder the caller gives is kept and reused.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { findEmbeddedBinaries, runSql, startEmbeddedServer, testMajors, type EmbeddedMajor } from '../src/index'

const majors = [...new Set<EmbeddedMajor>([15, ...testMajors()])]

describe('startEmbeddedServer', () => {
  it.concurrent.each(majors)('runs PostgreSQL %i and removes its data on stop', async (major) => {
    const server = await startEmbeddedServer({ major })
    try {
      expect(server.url).toBe(`postgresql://postgres@127.0.0.1:${server.port}/postgres`)
      expect(server.version.startsWith(`${major}.`)).toBe(true)
      const rows = await runSql<{ version: string }>(server.url, 'SELECT version()')
      expect(rows[0]!.version).toMatch(new RegExp(`^PostgreSQL ${major}\\.`))
      const settings = await runSql<{ wal_level: string; lc_collate: string }>(
        server.url,
        `SELECT current_setting('wal_level') AS wal_level, datcollate AS lc_collate FROM pg_database WHERE datname = 'postgres'`,
      )
      expect(settings[0]).toEqual({ wal_level: 'logical', lc_collate: 'C.UTF-8' })
      // the Unix socket works too
      const client = new pg.Client({ host: server.socketDir, port: server.port, user: 'postgres', database: 'postgres' })
      await client.connect()
      await client.end()
      expect(existsSync(server.dataDir)).toBe(true)
    } finally {
      await server.stop()
    }
    expect(existsSync(server.dataDir)).toBe(false)
    expect(existsSync(server.socketDir)).toBe(false)
    await server.stop() // a second stop is harmless
  })

  it('keeps and reuses a data folder given by the caller', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pgkeep-kit-'))
    chmodSync(parent, 0o755) // under root the server runs as "postgres", which must reach the folder
    const dataDir = join(parent, 'data')
    try {
      const first = await startEmbeddedServer({ major: 15, dataDir })
      try {
        await runSql(first.url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)')
      } finally {
        await first.stop()
      }
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true)
      const second = await startEmbeddedServer({ major: 15, dataDir })
      try {
        expect(await runSql(second.url, 'SELECT id FROM kept')).toEqual([{ id: 42 }])
      } finally {
        await second.stop()
      }
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true)
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('makes the folders above a data folder that does not exist yet, passable by the server\'s user', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pgkeep-kit-'))
    chmodSync(parent, 0o755)
    const dataDir = join(parent, 'cache', 'bench', 'pg15')
    try {
      const server = await startEmbeddedServer({ major: 15, dataDir })
      try {
        expect(await runSql(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
      } finally {
        await server.stop()
      }
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true)
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('fails with the server log when its port is taken, leaving nothing behind', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    const lines: string[] = []
    try {
      await expect(startEmbeddedServer({ major: 15, port, log: (l) => lines.push(l) })).rejects.toThrow(
        new RegExp(`unable to start embedded postgres on port ${port}: the server exited before accepting connections[^]*could not (bind|create)`),
      )
    } finally {
      blocker.close()
    }
    // initdb's log names the data folder it created inside the server's work folder
    const dataDir = lines.join('\n').match(/creating directory (\S+) \.\.\./)?.[1]
    expect(dataDir).toBeDefined()
    expect(existsSync(dirname(dataDir!))).toBe(false)
  })

  it('names the major and the places it looked when binaries are missing', () => {
    expect(() => findEmbeddedBinaries(12 as EmbeddedMajor)).toThrow(/embedded postgres 12/)
  })
})
