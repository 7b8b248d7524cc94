// Real dumps through the splitter: the fixture corpus dumped by the local pg_dump (default, --create,
// --inserts) and by pgkeep, and pagila. The oracle is psql itself: the script is run through the local
// psql against a fake server (psql-capture.ts) that records every query text and every COPY data stream
// it receives; the splitter must give the same statements and data, in the same order, with any chunking.
// Then: what the splitter skipped is only whitespace, `--` comments and backslash lines; replaying the
// items through node-pg builds the same database as psql does; and dumps cut short throw SCRIPT_INVALID.
import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { compareDatabases, createDatabase, pagilaFixture, restoreWithPsql, runPgDump, runPsql, withClient, type TestDatabase } from '@pgkeep/testkit'
import { firstReason, noPagila, noPsql, pgDumpCannotDump } from '@pgkeep/testkit/skip-reasons'
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { from as copyFrom } from 'pg-copy-streams'
import { splitScript } from '../../src/restore/split-script'
import { dumpToFile } from '../helpers/dump-to-file'
import { collect, fromChunks, type Flat } from './helpers'
import { capturePsql, fromWire, toWire } from './psql-capture'

const server = inject('pgDefault')
const cannotDump = firstReason(await noPsql(), await pgDumpCannotDump(server.major))

/** Chunks of pseudo-random sizes from 1 to `max` bytes (a fixed seed, so failures repeat). */
function* randomChunks(script: Buffer, max: number, seed = 7): Generator<Buffer> {
  let state = seed
  for (let i = 0; i < script.length; ) {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    const size = 1 + (state % max)
    yield script.subarray(i, i + size)
    i += size
  }
}

function* fixedChunks(script: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < script.length; i += size) yield script.subarray(i, i + size)
}

/**
 * Walks the script and the items side by side: each statement must appear verbatim, each COPY block's data
 * right after its statement's line, and everything in between may only be whitespace, `--` comment lines
 * and backslash-command lines. Returns the first thing that does not fit.
 */
function unexplainedText(script: string, items: Flat[]): string | null {
  const gapOk = /^(?:[ \t\r\n]|--[^\n]*|\\[^\n]*)*$/
  let at = 0
  for (const item of items) {
    if (item.kind === 'meta') continue
    const found = script.indexOf(item.sql, at)
    if (found < 0) return `line ${item.line}: statement not found verbatim: ${item.sql.slice(0, 80)}`
    const gap = script.slice(at, found)
    if (!gapOk.test(gap)) return `before line ${item.line}: skipped text ${JSON.stringify(gap.slice(0, 200))}`
    at = found + item.sql.length
    if (item.kind === 'copy') {
      at = script.indexOf('\n', at) + 1
      const data = Buffer.from(item.data, 'latin1').toString('utf8')
      if (script.slice(at, at + data.length) !== data) return `line ${item.line}: COPY data differs from the script`
      at += data.length
      if (!script.startsWith('\\.\n', at)) return `line ${item.line}: no \\. after the COPY data`
      at += 3
    }
  }
  const tail = script.slice(at)
  return gapOk.test(tail) ? null : `after the last item: ${JSON.stringify(tail.slice(0, 200))}`
}

function summary(items: Flat[]): { statements: number; copies: number; metas: number; copyBytes: number } {
  return {
    statements: items.filter((i) => i.kind === 'statement').length,
    copies: items.filter((i) => i.kind === 'copy').length,
    metas: items.filter((i) => i.kind === 'meta').length,
    copyBytes: items.reduce((n, i) => n + (i.kind === 'copy' ? i.data.length : 0), 0),
  }
}

/** The oracle comparison, three chunkings, and the coverage walk. */
async function checkAgainstPsql(label: string, script: Buffer): Promise<Flat[]> {
  const wire = fromWire((await capturePsql(script)).items)
  const whole = await collect(fromChunks([script]))
  expect(toWire(whole)).toEqual(wire)
  expect(await collect(fromChunks(fixedChunks(script, 65536)))).toEqual(whole)
  expect(await collect(fromChunks(randomChunks(script, 97)))).toEqual(whole)
  expect(unexplainedText(script.toString('utf8'), whole)).toBeNull()
  const s = summary(whole)
  const sent = { statements: wire.filter((w) => w.kind === 'statement').length, copies: wire.filter((w) => w.kind === 'copy').length }
  console.log(`${label}: ${script.length} bytes; splitter ${s.statements} statements + ${s.copies} COPY blocks (${s.copyBytes} data bytes), ${s.metas} backslash commands; psql sent ${sent.statements} queries + ${sent.copies} COPY`)
  return whole
}

describe('real dumps (the local pg_dump, psql as the oracle)', () => {
  skipAllWhen(cannotDump)
  let db: TestDatabase
  let plain: Buffer

  beforeAll(async () => {
    if (cannotDump) return
    db = await createDatabase(server.url, { prefix: 'split_fixtures' })
    await loadFixtures(db.url)
    plain = Buffer.from(await runPgDump(db.url), 'utf8')
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('fixture corpus, default options', async () => {
    const items = await checkAgainstPsql('fixtures', plain)
    expect(items[0]).toMatchObject({ kind: 'meta', command: 'restrict' })
    expect(items.at(-1)).toMatchObject({ kind: 'meta', command: 'unrestrict', args: (items[0] as { args: string }).args })
    expect(items.some((i) => i.kind === 'copy')).toBe(true)
    expect(items.some((i) => i.kind === 'statement' && /BEGIN ATOMIC/.test(i.sql))).toBe(server.major >= 14)
    expect(items.some((i) => i.kind === 'statement' && /lowrite/.test(i.sql))).toBe(true)
  })

  it('fixture corpus, --create (\\connect lines)', async () => {
    const items = await checkAgainstPsql('fixtures --create', Buffer.from(await runPgDump(db.url, ['--create']), 'utf8'))
    expect(items.filter((i) => i.kind === 'meta' && i.command === 'connect')).toHaveLength(1)
  })

  it('fixture corpus, --inserts --rows-per-insert=3', async () => {
    const items = await checkAgainstPsql('fixtures --inserts', Buffer.from(await runPgDump(db.url, ['--inserts', '--rows-per-insert=3']), 'utf8'))
    expect(items.some((i) => i.kind === 'copy')).toBe(false)
  })

  it("fixture corpus, pgkeep's own dump", async () => {
    const { file } = await dumpToFile({ connection: db.url })
    await checkAgainstPsql('fixtures (pgkeep)', await readFile(file))
  })

  it('pagila', async ({ skip }) => {
    const missing = noPagila()
    skip(missing !== undefined, missing)
    const pagila = pagilaFixture()!
    const pdb = await createDatabase(server.url, { prefix: 'split_pagila' })
    try {
      await runPsql(pdb.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.schema])
      await runPsql(pdb.url, ['-q', '-v', 'ON_ERROR_STOP=1', '-f', pagila.data])
      await checkAgainstPsql('pagila', Buffer.from(await runPgDump(pdb.url), 'utf8'))
    } finally {
      await pdb.drop()
    }
  })

  it('replayed through node-pg, the items build the same database as psql does', async () => {
    const byPsql = await createDatabase(server.url, { prefix: 'split_by_psql' })
    const bySplitter = await createDatabase(server.url, { prefix: 'split_by_items' })
    try {
      await restoreWithPsql(byPsql.url, plain)
      let statements = 0
      let copies = 0
      await withClient(bySplitter.url, async (client) => {
        for await (const item of splitScript(fromChunks(fixedChunks(plain, 65536)))) {
          if (item.kind === 'statement') {
            await client.query(item.sql)
            statements++
          } else if (item.kind === 'copy') {
            await pipeline(Readable.from(item.data), client.query(copyFrom(item.sql)))
            copies++
          } else {
            expect(['restrict', 'unrestrict']).toContain(item.command)
          }
        }
      })
      const { differences, checks } = await compareDatabases(byPsql.url, bySplitter.url)
      console.log(`replay: ${statements} statements and ${copies} COPY blocks sent; ${checks} comparisons with the psql restore, ${differences.length} differences`)
      expect(differences).toEqual([])
    } finally {
      await Promise.all([byPsql.drop(), bySplitter.drop()])
    }
  })

  describe('a dump cut short throws SCRIPT_INVALID', () => {
    const cut = (label: string, find: (text: string) => number) => [label, find] as const
    const cuts = [
      cut('inside COPY data', (t) => t.indexOf('\n', t.indexOf('FROM stdin;\n') + 12) + 3),
      cut('right after a COPY … FROM stdin; line', (t) => t.indexOf('FROM stdin;\n') + 12),
      cut('inside a dollar-quoted function body', (t) => t.search(/AS \$[A-Za-z_]*\$/) + 8),
      cut('inside a quoted string', (t) => t.indexOf("'", t.indexOf('COMMENT ON')) + 2),
      cut('inside a quoted identifier', (t) => t.indexOf('"', t.indexOf('CREATE TABLE')) + 2),
      cut('inside a statement', (t) => t.indexOf('CREATE TABLE') + 20),
      cut('inside a BEGIN ATOMIC body', (t) => t.indexOf('BEGIN ATOMIC') + 14),
      cut('between two statements', (t) => t.indexOf('\n--\n-- Name: ', t.length >> 1) + 1),
      cut('before the closing \\unrestrict line', (t) => t.lastIndexOf('\\unrestrict')),
    ]
    it.each(cuts)('%s', async (_label, find) => {
      const text = plain.toString('utf8')
      const at = find(text)
      expect(at).toBeGreaterThan(0)
      const truncated = Buffer.from(text.slice(0, at), 'utf8')
      await expect(collect(fromChunks(fixedChunks(truncated, 4096)))).rejects.toMatchObject({ code: 'SCRIPT_INVALID' })
    })

    it('at 200 evenly spread byte positions', async () => {
      const passed: number[] = []
      for (let k = 1; k <= 200; k++) {
        const at = Math.floor((plain.length * k) / 201)
        try {
          await collect(fromChunks([plain.subarray(0, at)]))
          passed.push(at)
        } catch (err) {
          expect(err).toMatchObject({ code: 'SCRIPT_INVALID' })
        }
      }
      expect(passed).toEqual([])
    })

    it('only the \\restrict check catches a cut between statements', async () => {
      const text = plain.toString('utf8')
      const at = text.indexOf('\n--\n-- Name: ', text.length >> 1) + 1
      const items = await collect(fromChunks([text.slice(0, at)]), { requireUnrestrict: false })
      expect(items.length).toBeGreaterThan(10)
    })
  })
})
