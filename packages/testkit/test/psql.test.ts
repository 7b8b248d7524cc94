// The local psql and pg_dump helpers: restore from a string, a Buffer, a stream or a file; psql's first
// ERROR in the rejection; inputs far larger than any argv.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { createDatabase, localPgDumpMajor, restoreWithPsql, runPgDump, runPsql, runSql, type TestDatabase } from '../src/index'
import { noPsql, pgDumpCannotDump } from '../src/skip-reasons'
import { skipAllWhen } from '../src/skip-when'

const missingPsql = await noPsql()

describe('psql helpers', () => {
  skipAllWhen(missingPsql)
  let db: TestDatabase
  beforeEach(async () => {
    if (missingPsql) return
    db = await createDatabase(inject('pgDefault').url, { prefix: 'psql' })
  })
  afterEach(async () => {
    await db?.drop()
  })

  it('restores from a string, a buffer, a stream and a file', async () => {
    await restoreWithPsql(db.url, 'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n')
    await restoreWithPsql(db.url, Buffer.from('INSERT INTO t VALUES (2);\n'))
    await restoreWithPsql(db.url, Readable.from(['INSERT INTO t ', 'VALUES (3);\n']))
    const dir = mkdtempSync(join(tmpdir(), 'pgkeep-kit-'))
    try {
      writeFileSync(join(dir, 'in.sql'), 'INSERT INTO t VALUES (4);\n')
      await restoreWithPsql(db.url, { file: join(dir, 'in.sql') })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(await runSql(db.url, 'SELECT array_agg(x ORDER BY x) AS xs FROM t')).toEqual([{ xs: [1, 2, 3, 4] }])
  })

  it('streams a large script with COPY data', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i}\t${'x'.repeat(40)}\n`).join('')
    const script = `CREATE TABLE big (id int, pad text);\nCOPY big FROM stdin;\n${rows}\\.\n`
    expect(script.length).toBeGreaterThan(8_000_000)
    await restoreWithPsql(db.url, script)
    expect(await runSql(db.url, 'SELECT count(*)::int AS n FROM big')).toEqual([{ n: 200_000 }])
  })

  it('rejects with the first ERROR line and stops there', async () => {
    const script = 'CREATE TABLE a (x int);\nINSERT INTO missing VALUES (1);\nCREATE TABLE b (x int);\n'
    await expect(restoreWithPsql(db.url, script)).rejects.toThrow(/ERROR: +relation "missing" does not exist/)
    expect(await runSql(db.url, `SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('a', 'b')`)).toEqual([{ n: 1 }])
  })

  it('runs psql with arguments', async () => {
    expect((await runPsql(db.url, ['-At', '-c', 'SELECT 40 + 2'])).trim()).toBe('42')
  })

  it('knows the local pg_dump major and dumps with it', async (ctx) => {
    const cannot = await pgDumpCannotDump(inject('pgDefault').major)
    ctx.skip(cannot !== undefined, cannot)
    expect(await localPgDumpMajor()).toBeGreaterThanOrEqual(inject('pgDefault').major)
    await runSql(db.url, 'CREATE TABLE dumped (x int)')
    expect(await runPgDump(db.url, ['--schema-only'])).toMatch(/CREATE TABLE public\.dumped/)
  })
})
