// restore()'s memory bound, measured on the built library in a node process of its own (restore-child.mjs,
// peak RSS from getrusage): small gzip files that inflate to a lot. A 1 GiB run of NUL bytes is refused at
// its first byte, so nothing is held; a 250 MB string literal over maxStatementBytes is refused once the
// limit is passed, within the documented bound of 5 × maxStatementBytes + 100 MiB. Nothing is applied.
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { restore } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
const child = fileURLToPath(new URL('./restore-child.mjs', import.meta.url))
const MiB = 1024 * 1024
/** The README's bound: peak RSS under 5 × maxStatementBytes + 100 MiB. */
const bound = (maxStatementBytes: number) => 5 * maxStatementBytes + 100 * MiB

interface Outcome {
  ok: boolean
  code?: string
  message?: string
  hint?: string
  peakRss: number
}

/** A gzip file: `head`, `count` times `block`, then `tail`, each its own gzip member (the block compressed once). */
async function writeGzip(path: string, head: string, block: Buffer, count: number, tail: string): Promise<void> {
  const member = gzipSync(block)
  const members = function* () {
    yield gzipSync(head)
    for (let i = 0; i < count; i++) yield member
    yield gzipSync(tail)
  }
  await pipeline(Readable.from(members()), createWriteStream(path))
}

async function restoreInChild(file: string, options: Record<string, unknown>): Promise<Outcome> {
  const { stdout } = await promisify(execFile)(process.execPath, [child, file, JSON.stringify(options)], { env: { PATH: process.env.PATH } })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome
}

const tables = (db: TestDatabase) => runSql(db.url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")

describe('restore() stays within its memory bound on small files that inflate to a lot', () => {
  let dir: string
  let target: TestDatabase
  beforeAll(async () => {
    assertBuilt('core')
    dir = await mkdtemp(join(tmpdir(), 'pgkeep-memory-bound-'))
    target = await createDatabase(server.url, { prefix: 'memory_bound' })
  })
  afterAll(async () => {
    await target?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('refuses 1 GiB of NUL bytes at the first one, holding nothing', { timeout: 120_000 }, async () => {
    const file = join(dir, 'nul.sql.gz')
    await writeGzip(file, 'CREATE TABLE before_nul (id integer);\n', Buffer.alloc(MiB), 1024, '')
    const outcome = await restoreInChild(file, { target: target.url })
    process.stderr.write(`[memory] 1 GiB of NUL bytes: peak RSS ${(outcome.peakRss / MiB).toFixed(0)} MiB\n`)
    expect(outcome).toMatchObject({ ok: false, code: 'SCRIPT_INVALID', message: 'line 2 (byte offset 38 of the script) holds a NUL byte, which SQL text cannot contain' })
    expect(outcome.peakRss).toBeLessThan(bound(0))
    expect(await tables(target)).toEqual([])
  })

  it('refuses a 250 MB string literal over maxStatementBytes within the bound', { timeout: 120_000 }, async () => {
    const file = join(dir, 'literal.sql.gz')
    await writeGzip(file, "CREATE TABLE big (v text);\nINSERT INTO big VALUES ('", Buffer.alloc(MiB, 'x'), 250, "');\n")
    const max = 64 * MiB
    const outcome = await restoreInChild(file, { target: target.url, maxStatementBytes: max })
    process.stderr.write(`[memory] 250 MB literal, maxStatementBytes 64 MiB: peak RSS ${(outcome.peakRss / MiB).toFixed(0)} MiB\n`)
    expect(outcome).toMatchObject({
      ok: false,
      code: 'SCRIPT_INVALID',
      message: 'the statement that starts at line 2 is larger than maxStatementBytes (67108864 bytes)',
      hint: expect.stringContaining('--max-statement-size'),
    })
    expect(outcome.peakRss).toBeLessThan(bound(max))
    expect(await tables(target)).toEqual([])
  })
})

describe('the maxStatementBytes option', () => {
  it.each([0, -1, 1.5, 2 ** 40, '64MB'])('refuses %s', async (value) => {
    const error = await failure(() => restore(Buffer.from('SELECT 1;\n'), { target: 'postgresql://postgres@127.0.0.1:1/none', maxStatementBytes: value as number }), 'OPTIONS_INVALID')
    expect(error.message).toMatch(/^invalid restore options: maxStatementBytes: /)
  })
})
