// The splitter on small scripts: each lexing rule (cases.ts), each way a script can be invalid, the TOC
// headers, and the same results whatever the chunking: cut in two at every byte, and one byte at a time.
import { describe, expect, it } from 'vitest'
import { PgkeepError } from '../../src/errors'
import { splitScript } from '../../src/restore/split-script'
import { CASES, ERROR_CASES } from './cases'
import { collect, firstSplitMismatch, fromChunks, outcome } from './helpers'

const bytes = (script: string | Buffer) => (typeof script === 'string' ? Buffer.from(script, 'utf8') : script)

describe('lexing rules', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await collect(fromChunks([bytes(c.script)]), { requireUnrestrict: false })).toEqual(c.items)
  })
})

describe('invalid scripts throw SCRIPT_INVALID', () => {
  it.each(ERROR_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const run = collect(fromChunks([bytes(c.script)]), c.options)
    await expect(run).rejects.toBeInstanceOf(PgkeepError)
    await expect(run).rejects.toMatchObject({ code: 'SCRIPT_INVALID', message: c.error })
  })
})

describe('chunk boundaries: split at every byte and byte by byte, the same items', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await firstSplitMismatch(bytes(c.script), { requireUnrestrict: false })).toBeNull()
  })
  // where input is cut decides which of the two size checks fires first, so only the code is compared there
  it.each(ERROR_CASES.filter((c) => c.options?.maxStatementBytes === undefined).map((c) => [c.name, c] as const))('error: %s', async (_name, c) => {
    expect(await firstSplitMismatch(bytes(c.script), c.options)).toBeNull()
  })
  it('error: statement over maxStatementBytes', async () => {
    const script = Buffer.from("SELECT 1;\nSELECT 'aaaaaaaaaaaaaaaaaaaa';\n")
    for (let at = 1; at < script.length; at++) {
      const got = await outcome(fromChunks([script.subarray(0, at), script.subarray(at)]), { maxStatementBytes: 16 })
      expect(got).toMatch(/^SCRIPT_INVALID: .* line 2 is larger than maxStatementBytes \(16 bytes\)$/)
    }
  })
})

describe('TOC headers', () => {
  const script = [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '',
    'SET statement_timeout = 0;',
    '',
    '--',
    '-- Name: app; Type: SCHEMA; Schema: -; Owner: app_owner',
    '--',
    '',
    'CREATE SCHEMA app;',
    '',
    '',
    'ALTER SCHEMA app OWNER TO app_owner;',
    '',
    '--',
    '-- Name: t; x; Type: TABLE; Schema: app; Owner: o; Tablespace: fast',
    '--',
    '',
    'CREATE TABLE app."t; x" (',
    "    a text DEFAULT '-- Name: not; Type: HEADER; Schema: -; Owner: -'",
    ');',
    '',
    '--',
    '-- Data for Name: t; x; Type: TABLE DATA; Schema: app; Owner: o',
    '--',
    '',
    'COPY app."t; x" (a) FROM stdin;',
    '-- Name: inside; Type: DATA; Schema: -; Owner: -',
    '\\.',
    '',
    '',
    '--',
    '-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: ',
    '--',
    '',
    "COMMENT ON EXTENSION btree_gist IS 'x';",
    '',
  ].join('\n')

  it('gives each statement the header before it', async () => {
    const items = await collect(fromChunks([script]), {}, true)
    const schema = { name: 'app', type: 'SCHEMA', schema: null, owner: 'app_owner', isData: false, isStatistics: false, line: 8 }
    const table = { name: 't; x', type: 'TABLE', schema: 'app', owner: 'o', tablespace: 'fast', isData: false, isStatistics: false, line: 17 }
    const data = { name: 't; x', type: 'TABLE DATA', schema: 'app', owner: 'o', isData: true, isStatistics: false, line: 25 }
    const comment = { name: 'EXTENSION btree_gist', type: 'COMMENT', schema: null, owner: '', isData: false, isStatistics: false, line: 34 }
    expect(items).toEqual([
      { kind: 'statement', sql: 'SET statement_timeout = 0;', line: 5, entry: null },
      { kind: 'statement', sql: 'CREATE SCHEMA app;', line: 11, entry: schema },
      { kind: 'statement', sql: 'ALTER SCHEMA app OWNER TO app_owner;', line: 14, entry: schema },
      { kind: 'statement', sql: `CREATE TABLE app."t; x" (\n    a text DEFAULT '-- Name: not; Type: HEADER; Schema: -; Owner: -'\n);`, line: 20, entry: table },
      { kind: 'copy', sql: 'COPY app."t; x" (a) FROM stdin;', line: 28, data: '-- Name: inside; Type: DATA; Schema: -; Owner: -\n', entry: data, encoding: 'UTF8' },
      { kind: 'statement', sql: "COMMENT ON EXTENSION btree_gist IS 'x';", line: 37, entry: comment },
    ])
  })

  it('is chunk-safe', async () => {
    expect(await firstSplitMismatch(Buffer.from(script))).toBeNull()
  })
})

describe('input and options', () => {
  it('takes strings as well as Buffers, in any mix', async () => {
    const items = await collect(fromChunks(['SELECT ', Buffer.from("'ü"), "🏠';\nCOPY t FROM stdin;\nü\n", Buffer.from('\\.\n')]))
    expect(items).toEqual([
      { kind: 'statement', sql: "SELECT 'ü🏠';", line: 1 },
      { kind: 'copy', sql: 'COPY t FROM stdin;', line: 2, data: Buffer.from('ü\n').toString('latin1') },
    ])
  })

  it('gives empty input no items', async () => {
    expect(await collect(fromChunks([]))).toEqual([])
    expect(await collect(fromChunks([Buffer.alloc(0), '\n\n  \n-- c\n']))).toEqual([])
  })

  it('accepts a missing \\unrestrict when asked to', async () => {
    expect(await collect(fromChunks(['\\restrict k\nSELECT 1;\n']), { requireUnrestrict: false })).toEqual([
      { kind: 'meta', command: 'restrict', args: 'k', line: 1 },
      { kind: 'statement', sql: 'SELECT 1;', line: 2 },
    ])
  })

  it.each([0, -1, 1.5, Number.NaN])('refuses maxStatementBytes %s', async (max) => {
    await expect(collect(fromChunks(['SELECT 1;']), { maxStatementBytes: max })).rejects.toMatchObject({ code: 'OPTIONS_INVALID' })
  })

  it('refuses chunks that are neither Buffers nor strings', async () => {
    const bad = (async function* () {
      yield 42 as unknown as Buffer
    })()
    await expect(collect(bad)).rejects.toMatchObject({ code: 'OPTIONS_INVALID' })
  })

  it('passes on an error of the input', async () => {
    const failing = (async function* () {
      yield 'SELECT 1;\n'
      throw new Error('disk on fire')
    })()
    const seen: string[] = []
    await expect(
      (async () => {
        for await (const item of splitScript(failing)) if (item.kind === 'statement') seen.push(item.sql)
      })(),
    ).rejects.toThrow('disk on fire')
    expect(seen).toEqual(['SELECT 1;'])
  })
})
