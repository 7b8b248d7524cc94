// Bad sources of restore() and bad destinations of dump() are refused first, with OPTIONS_INVALID naming
// what is wrong: before any connection is made and before createDatabase creates anything.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { runSql } from '@pgkeep/testkit'
import { describe, expect, inject, it } from 'vitest'
import { dump, listScript, restore, type PgkeepError } from '../../src/index'
import { failure } from '../failure'

const server = inject('pgDefault')
/** Nothing listens on port 1: a check that came after connecting would fail with CONNECT_FAILED instead. */
const UNREACHABLE = 'postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2'

/** The OPTIONS_INVALID `run` fails with, its message matching `mentions`. */
async function optionsInvalid(run: () => Promise<unknown>, mentions: RegExp): Promise<PgkeepError> {
  const error = await failure(run, 'OPTIONS_INVALID')
  expect(error.message).toMatch(mentions)
  return error
}

describe('restore() refuses a bad source before touching the target', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-bad-source-'))
  await writeFile(join(dir, 'empty.sql'), '')
  /** What is passed, what the message says, whether the fs error is kept as `cause`. */
  const sources: [string, unknown, RegExp, boolean][] = [
    ['a missing file', join(dir, 'no-such.sql.gz'), /does not exist/, true],
    // found by stat() without an error, so there is no cause to keep
    ['a directory', dir, /is a directory/, false],
    ['an empty path', '', /empty/, false],
    ['an empty file', join(dir, 'empty.sql'), /file ".*empty\.sql" is empty \(0 bytes\): there is nothing to restore/, false],
    ['null', null, /source must be/, false],
    ['a number', 42, /source must be/, false],
    ['a plain object', { read: 1 }, /source must be/, false],
    ['an opener that returns null', () => null, /opener .*returned/, false],
  ]

  it.each(sources)('%s', async (_what, source, mentions, keepsCause) => {
    const name = `pgkeep_badsrc_${process.pid}_${Math.floor(Math.random() * 1e9)}`
    const error = await optionsInvalid(() => restore(source as never, { target: server.url, createDatabase: name }), mentions)
    if (keepsCause) expect(error.cause).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) })
    expect(await runSql(server.url, `SELECT datname FROM pg_database WHERE datname = '${name}'`)).toEqual([])
  })

  it('checks the source before connecting', async () => {
    await optionsInvalid(() => restore(join(dir, 'missing.sql'), { target: UNREACHABLE }), /does not exist/)
    await optionsInvalid(() => restore(null as never, { target: UNREACHABLE }), /source must be/)
  })
})

describe('listScript() refuses a source it cannot read with OPTIONS_INVALID, as restore() does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgkeep-bad-list-'))
  const sources: [string, unknown, RegExp, boolean][] = [
    ['a missing file', join(dir, 'no-such.sql'), /script file ".*no-such\.sql" does not exist/, true],
    ['a directory', dir, /is a directory/, false],
    ['null', null, /script must be/, false],
    ['a number', 42, /script must be/, false],
  ]

  it.each(sources)('%s', async (_what, source, mentions, keepsCause) => {
    // these were a raw ENOENT / EISDIR or a TypeError, not a PgkeepError
    const error = await optionsInvalid(() => listScript(source as never), mentions)
    if (keepsCause) expect(error.cause).toMatchObject({ code: 'ENOENT' })
  })
})

describe('restore() refuses an empty script found empty only when read, and drops the database it made for it', () => {
  // no pg_dump or pgkeep script is empty: an empty one is a cut download or the wrong file
  const sources: [string, () => unknown, RegExp][] = [
    ['an empty Buffer', () => Buffer.alloc(0), /the script is empty \(0 bytes\)/],
    ['an empty stream', () => Readable.from([]), /the script is empty \(0 bytes\)/],
    ['an opener of an empty stream', () => () => Readable.from([Buffer.alloc(0)]), /the script is empty \(0 bytes\)/],
    ['a gzip file of no text', () => gzipSync(Buffer.alloc(0)), /the script is a gzip file of 0 bytes of text/],
    // a character device: stat() cannot tell its length
    ['/dev/null', () => '/dev/null', /the script is empty \(0 bytes\)/],
  ]

  it.each(sources)('%s', async (_what, source) => {
    const name = `pgkeep_empty_${process.pid}_${Math.floor(Math.random() * 1e9)}`
    for (const jobs of [1, 2]) {
      const error = await failure(() => restore(source() as never, { target: server.url, createDatabase: name, jobs }), 'SCRIPT_INVALID')
      expect(error.message).toMatch(sources.find(([w]) => w === _what)![2])
      expect(error.hint).toMatch(/starts with its header/)
      expect(await runSql(server.url, `SELECT datname FROM pg_database WHERE datname = '${name}'`)).toEqual([])
    }
  })
})

describe('restore() of a source that breaks off while it is read blames the source, not the target', () => {
  // A script whose COPY is still being fed when the source fails: its ECONNRESET, passed on to the COPY,
  // was reported as RESTORE_FAILED "the server closed the connection … its backend was terminated".
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i}\tnote number ${i} of the boarding house\n`).join('')
  const script = Buffer.from(`SET client_encoding = 'UTF8';\n\nCREATE TABLE public.notes (id integer NOT NULL, body text);\n\n`
    + `--\n-- Data for Name: notes; Type: TABLE DATA; Schema: public; Owner: -\n--\n\nCOPY public.notes (id, body) FROM stdin;\n${rows}\\.\n\n`)
  const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' })
  /** The first `cut` bytes of `bytes`, then the error `fail` makes. */
  const breaking = (bytes: Buffer, cut: number, fail: () => Error) => Readable.from((async function* () {
    yield bytes.subarray(0, cut)
    await new Promise((resolve) => setTimeout(resolve, 20))
    throw fail()
  })())
  const cases: [string, () => Readable][] = [
    ['a plain stream', () => breaking(script, 200_000, reset)],
    ['a gzip stream', () => { const gz = gzipSync(script); return breaking(gz, Math.floor(gz.length / 2), reset) }],
    ['an opener\'s stream', () => breaking(script, 200_000, () => new Error('socket hang up'))],
  ]

  it.each(cases)('%s: STORAGE_FAILED naming the bytes read, the cause kept, the database made for it dropped', async (_what, source) => {
    for (const jobs of [1, 2]) {
      const name = `pgkeep_broken_${process.pid}_${Math.floor(Math.random() * 1e9)}`
      const input = _what.startsWith('an opener') ? () => source() : source()
      const error = await failure(() => restore(input as never, { target: server.url, createDatabase: name, jobs }), 'STORAGE_FAILED')
      expect(error.message).toMatch(/^reading the restore source failed after \d+ bytes: (read ECONNRESET|socket hang up)$/)
      expect(error.message).not.toMatch(/server closed the connection/)
      expect(error.hint).toMatch(/the target database did not fail/)
      expect((error.cause as Error).message).toMatch(/ECONNRESET|socket hang up/)
      expect(await runSql(server.url, `SELECT datname FROM pg_database WHERE datname = '${name}'`)).toEqual([])
    }
  })

  it('an error pgkeep already named (a storage or checksum failure) passes through as it is', async () => {
    const { PgkeepError } = await import('../../src/index')
    const name = `pgkeep_broken_${process.pid}_${Math.floor(Math.random() * 1e9)}`
    const own = new PgkeepError('STORAGE_UNREACHABLE', 'the download from kost-backups stalled')
    const error = await failure(() => restore(breaking(script, 200_000, () => own), { target: server.url, createDatabase: name }), 'STORAGE_UNREACHABLE')
    expect(error).toBe(own)
    expect(await runSql(server.url, `SELECT datname FROM pg_database WHERE datname = '${name}'`)).toEqual([])
  })
})

describe('dump() refuses a bad destination before connecting', () => {
  const ended = new PassThrough()
  ended.end()
  const destinations: [string, unknown, RegExp][] = [
    ['null', null, /destination must be/],
    ['undefined', undefined, /destination must be/],
    ['a number', 42, /destination must be/],
    ['a string', 'out.sql', /destination must be/],
    ['an object without write()', { on() {} }, /destination must be/],
    ['a readable stream', Readable.from(['x']), /destination must be/],
    ['an ended stream', ended, /no longer writable/],
  ]

  it.each(destinations)('%s', async (_what, destination, mentions) => {
    await optionsInvalid(() => dump({ connection: UNREACHABLE }, destination as never), mentions)
  })
})
