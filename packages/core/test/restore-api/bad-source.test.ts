// Bad sources of restore() and bad destinations of dump() are refused first, with OPTIONS_INVALID naming
// what is wrong: before any connection is made and before createDatabase creates anything.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { runSql } from '@pgkeep/testkit'
import { describe, expect, inject, it } from 'vitest'
import { dump, restore, type PgkeepError } from '../../src/index'
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
  /** What is passed, what the message says, whether the fs error is kept as `cause`. */
  const sources: [string, unknown, RegExp, boolean][] = [
    ['a missing file', join(dir, 'no-such.sql.gz'), /does not exist/, true],
    // found by stat() without an error, so there is no cause to keep
    ['a directory', dir, /is a directory/, false],
    ['an empty path', '', /empty/, false],
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
