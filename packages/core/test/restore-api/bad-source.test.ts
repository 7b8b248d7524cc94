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
