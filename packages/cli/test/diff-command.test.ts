// `pgkeep diff`: two backups by id (from their manifests), two dump files, and an id beside a file,
// as text and as JSON, with --exit-code.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase
let dir: string
let a: string
let b: string

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_diff' })
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-diff-'))
  await runSql(db.url, `CREATE TABLE bills (id integer PRIMARY KEY, amount numeric NOT NULL);
    INSERT INTO bills SELECT g, g * 1000 FROM generate_series(1, 300) g;`)
  a = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'])).stdout).id
  await runSql(db.url, `DELETE FROM bills WHERE id > 290; CREATE VIEW big_bills AS SELECT * FROM bills WHERE amount > 100000;`)
  b = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'])).stdout).id
}, 60_000)
afterAll(() => db?.drop())

describe('pgkeep diff', () => {
  it('compares two backups by id: text, JSON, and --exit-code', async () => {
    const text = await run(['diff', a, b, '--dir', dir])
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    expect(text.stdout.split('\n').filter((l) => /^[+~-] /.test(l))).toEqual(['+ VIEW public.big_bills', '~ rows public.bills: 300 → 290 rows (-10), content changed'])

    const json = await run(['diff', a, b, '--dir', dir, '--json'])
    const diff = JSON.parse(json.stdout)
    expect(diff.objects).toEqual({ added: [{ type: 'VIEW', schema: 'public', name: 'big_bills' }], removed: [], changed: [] })
    expect(diff.tables.changed).toEqual([{ schema: 'public', name: 'bills', rows: { a: 300, b: 290 }, contentChanged: true }])

    expect((await run(['diff', a, b, '--dir', dir, '--exit-code'])).code).toBe(3)
    const same = await run(['diff', a, a, '--dir', dir, '--exit-code'])
    expect(same.code).toBe(0)
    expect(same.stdout).toContain('no differences')
  })

  it('compares dump files, and an id with a file, the same way', async () => {
    const fileA = join(dir, 'a.sql.gz')
    await writeFile(fileA, (await run(['download', a, '--dir', dir])).out)
    const fileB = join(dir, 'b.sql')
    expect((await run(['dump', db.url, '-f', fileB])).code).toBe(0)
    const files = JSON.parse((await run(['diff', fileA, 'b.sql', '--json'], { cwd: dir })).stdout)
    const ids = JSON.parse((await run(['diff', a, b, '--dir', dir, '--json'])).stdout)
    expect(files.objects).toEqual(ids.objects)
    expect(files.tables).toEqual(ids.tables)
    const mixed = JSON.parse((await run(['diff', a, fileB, '--dir', dir, '--json'])).stdout)
    expect(mixed.tables).toEqual(ids.tables)
    expect(mixed.a.label).toBe(a)
  })

  it('a missing file or unknown id fails with exit 1 and says which', async () => {
    const missing = await run(['diff', 'nope.sql.gz', a, '--dir', dir])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/the dump file \S*nope\.sql\.gz does not exist \[OPTIONS_INVALID\]/)
    const unknown = await run(['diff', a, '00000000-0000-4000-8000-000000000000', '--dir', dir])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('[BACKUP_NOT_FOUND]')
  })
})
