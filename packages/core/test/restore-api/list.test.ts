// `list` on a pagila backup shows the same entries `pg_restore -l` would show for pg_dump's archive of
// it (type, schema, name): for pg_dump's plain dump and for a pgkeep backup of the same database. Needs
// ../shared/fixtures/pagila and a local pg_dump/pg_restore of the server's major.
//
// pg_restore -l lists the archive's TOC in dump order; pg_restore, and pg_dump's plain output (which is a
// restore of that TOC), apply it in passes (ACLs last, then event triggers and materialized view data),
// so the listing is put in that order before it is compared with a script's entries.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, pagilaFixture, runPgDump, runPsql, type TestDatabase } from '@pgkeep/testkit'
import { firstReason, noPagila, pgDumpNotOfMajor } from '@pgkeep/testkit/skip-reasons'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { runTool } from '@pgkeep/testkit/run-tool'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, fsStorage, listScript, type ScriptEntry } from '../../src/index'
import { inRestoreOrder, isArchiveOnly, parseRestoreList, type TocLine } from './pg-restore-list'

const server = inject('pgDefault')
const pagila = pagilaFixture()
const cannotRun = firstReason(noPagila(), await pgDumpNotOfMajor(server.major))

let db: TestDatabase
let dir: string
/** pg_restore -l of pg_dump -Fc, archive-only entries left out, in restore order. */
let expected: TocLine[]

const key = (e: { type: string; schema: string | null; name: string }) => `${e.type}\t${e.schema ?? '-'}\t${e.name}`

beforeAll(async () => {
  if (cannotRun || !pagila) return
  db = await createDatabase(server.url, { prefix: 'ls_pagila' })
  await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
  await runPsql(db.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-ls-'))
  const archive = join(dir, 'pagila.dump')
  await runPgDump(db.url, ['-Fc', '-f', archive])
  const listed = await runTool('pg_restore', ['-l', archive])
  if (listed.code !== 0) throw new Error(`pg_restore -l failed: ${listed.stderr}`)
  const all = parseRestoreList(listed.stdout)
  expected = inRestoreOrder(all.filter((e) => !isArchiveOnly(e)))
  console.log(`pg_restore -l: ${all.length} entries, ${expected.length} of them in a plain dump`)
}, 180_000)

afterAll(async () => {
  await db?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function compare(listed: ScriptEntry[]): void {
  expect(listed.map(key)).toEqual(expected.map(key))
}

describe('listScript() on pagila against pg_restore -l', () => {
  skipAllWhen(cannotRun)
  it('pg_restore -l of pagila has the entries expected of it', () => {
    // the parse found the tables, their data, the multi-word types and a name with spaces
    const types = new Set(expected.map((e) => e.type))
    for (const t of ['TABLE', 'TABLE DATA', 'SEQUENCE SET', 'FK CONSTRAINT', 'INDEX', 'TRIGGER', 'VIEW', 'FUNCTION']) expect(types).toContain(t)
    expect(expected.filter((e) => e.type === 'TABLE DATA').map((e) => e.name)).toContain('rental')
    expect(expected.some((e) => e.type === 'FUNCTION' && e.name === 'film_in_stock(integer, integer)' && e.schema === 'public')).toBe(true)
    expect(expected.length).toBeGreaterThan(150)
  })

  it('lists pg_dump\'s plain dump of pagila with the same entries, in the same order', async () => {
    const script = await runPgDump(db.url)
    const listed = await listScript(Buffer.from(script, 'utf8'))
    console.log(`listScript(pg_dump plain): ${listed.length} entries; pg_restore -l: ${expected.length}`)
    compare(listed)
  })

  it('lists a pgkeep backup of pagila with the same entries, in the same order', async () => {
    const backups = createBackupManager({ connection: db.url, storage: fsStorage({ dir }) })
    const record = await backups.create()
    const listed = await listScript(await backups.download(record.id))
    console.log(`listScript(pgkeep backup ${record.size} bytes): ${listed.length} entries; pg_restore -l: ${expected.length}`)
    compare(listed)
    // the data entries carry their COPY bytes
    const rental = listed.find((e) => e.type === 'TABLE DATA' && e.name === 'rental')!
    expect(rental.section).toBe('DATA')
    expect(rental.dataBytes).toBeGreaterThan(16044 * 20)
  })
})
