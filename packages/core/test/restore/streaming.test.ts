// Streaming behaviour: COPY data flows out as input chunks arrive (never the whole block in memory),
// unread data is skipped, data is readable once, early exits close the input, and large statements are
// collected without quadratic copying.
import { describe, expect, it } from 'vitest'
import { splitScript } from '../../src/restore/split-script'
import type { CopyItem, ScriptItem } from '../../src/restore/script-item'

const CHUNK = 64 * 1024

/** A script whose COPY block holds `dataChunks` chunks of CHUNK bytes of rows, made lazily; counts what was pulled. */
function copyScript(dataChunks: number) {
  const row = Buffer.from('12345\tsome text with ü\t\\N\n')
  const rows = Buffer.alloc(CHUNK)
  for (let i = 0; i < CHUNK; i += row.length) row.copy(rows, i, 0, Math.min(row.length, CHUNK - i))
  // keep every chunk a whole number of rows plus a partial one: rows straddle chunk edges on purpose
  const newlines = rows.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0)
  // the tail ends the last (partial) row, then \., an empty line and SELECT 1
  const stats = { pulled: 0, returned: false, dataBytes: dataChunks * CHUNK, selectLine: 1 + 5 + dataChunks * newlines + 3 }
  const input = (async function* () {
    try {
      const head = Buffer.from('--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: o\n--\n\nCOPY public.t (a, b, c) FROM stdin;\n')
      stats.pulled += head.length
      yield head
      for (let i = 0; i < dataChunks; i++) {
        stats.pulled += CHUNK
        yield rows
      }
      const tail = Buffer.from('\n\\.\n\nSELECT 1;\n')
      stats.pulled += tail.length
      yield tail
    } finally {
      stats.returned = true
    }
  })()
  return { input, stats }
}

async function nextItem(it: AsyncGenerator<ScriptItem>): Promise<ScriptItem> {
  const r = await it.next()
  if (r.done) throw new Error('no more items')
  return r.value
}

describe('COPY data streams', () => {
  it('hands out data chunk by chunk while the input is still being read', async () => {
    const { input, stats } = copyScript(1024) // 64 MiB of data
    const items = splitScript(input)
    const copy = (await nextItem(items)) as CopyItem
    expect(copy).toMatchObject({ kind: 'copy', sql: 'COPY public.t (a, b, c) FROM stdin;', line: 5, entry: { name: 't', isData: true }, encoding: 'UTF8' })
    let total = 0
    let largest = 0
    let firstAt = -1
    for await (const part of copy.data) {
      if (firstAt < 0) firstAt = stats.pulled
      total += part.length
      largest = Math.max(largest, part.length)
      // never more than two input chunks ahead of what has been handed out
      expect(stats.pulled - total).toBeLessThanOrEqual(2 * CHUNK + 200)
    }
    expect(firstAt).toBeLessThanOrEqual(CHUNK + 200)
    expect(largest).toBeLessThanOrEqual(CHUNK + 4)
    expect(total).toBe(stats.dataBytes + 1) // the last row's newline comes with the tail
    expect(await nextItem(items)).toEqual({ kind: 'statement', sql: 'SELECT 1;', line: stats.selectLine, entry: copy.entry })
  })

  it('skips data the caller does not read', async () => {
    const { input } = copyScript(16)
    const items = splitScript(input)
    expect((await nextItem(items)).kind).toBe('copy')
    expect(await nextItem(items)).toMatchObject({ kind: 'statement', sql: 'SELECT 1;' })
    expect((await items.next()).done).toBe(true)
  })

  it('skips the rest when the caller stops reading part way', async () => {
    const { input } = copyScript(16)
    const items = splitScript(input)
    const copy = (await nextItem(items)) as CopyItem
    let seen = 0
    for await (const part of copy.data) {
      seen += part.length
      if (seen > 3 * CHUNK) break
    }
    expect(await nextItem(items)).toMatchObject({ kind: 'statement', sql: 'SELECT 1;' })
  })

  it('gives nothing when read after the splitter moved on', async () => {
    const { input } = copyScript(4)
    const items = splitScript(input)
    const copy = (await nextItem(items)) as CopyItem
    expect(await nextItem(items)).toMatchObject({ kind: 'statement', sql: 'SELECT 1;' })
    const late: Buffer[] = []
    for await (const part of copy.data) late.push(part)
    expect(late).toEqual([])
  })

  it('lets data be read only once', async () => {
    const { input } = copyScript(1)
    const copy = (await nextItem(splitScript(input))) as CopyItem
    for await (const _ of copy.data);
    expect(() => copy.data[Symbol.asyncIterator]()).toThrow(/only once/)
  })

  it('reports a cut inside the data to the data reader and to the splitter', async () => {
    const input = (async function* () {
      yield 'COPY t FROM stdin;\n1\n'
      yield '2\n'
    })()
    const items = splitScript(input)
    const copy = (await nextItem(items)) as CopyItem
    const parts: string[] = []
    await expect(
      (async () => {
        for await (const part of copy.data) parts.push(part.toString())
      })(),
    ).rejects.toMatchObject({ code: 'SCRIPT_INVALID', message: 'script ends inside the COPY data of the statement at line 1: there is no "\\." line' })
    expect(parts.join('')).toBe('1\n2\n')
    await expect(items.next()).rejects.toMatchObject({ code: 'SCRIPT_INVALID' })
  })
})

describe('the input', () => {
  it('is closed when the caller stops early', async () => {
    const { input, stats } = copyScript(64)
    for await (const item of splitScript(input)) {
      expect(item.kind).toBe('copy')
      break
    }
    expect(stats.returned).toBe(true)
    expect(stats.pulled).toBeLessThan(4 * CHUNK)
  })
})

describe('large statements', () => {
  const bodyLine = Buffer.from("  RETURN 'a line of a long function body; with a ; and $x$ in it';\n")
  const head = 'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$\nBEGIN\n'
  function functionScript(lines: number) {
    const input = (async function* () {
      yield Buffer.from(head)
      const block = Buffer.concat(Array.from({ length: 1000 }, () => bodyLine))
      for (let i = 0; i < lines / 1000; i++) yield block
      yield Buffer.from('END\n$body$;\nSELECT 2;\n')
    })()
    return input
  }

  it('collects a 32 MB function body in linear time', async () => {
    const lines = 500_000
    const t0 = Date.now()
    const items: ScriptItem[] = []
    for await (const item of splitScript(functionScript(lines))) items.push(item)
    const ms = Date.now() - t0
    expect(items).toHaveLength(2)
    const first = items[0] as { sql: string }
    expect(first.sql.length).toBe(head.length + lines * bodyLine.length + 'END\n$body$;'.length)
    expect(first.sql.endsWith('END\n$body$;')).toBe(true)
    expect(items[1]).toMatchObject({ sql: 'SELECT 2;', line: lines + 5 })
    expect(ms).toBeLessThan(10_000)
  })

  it('refuses one over maxStatementBytes', async () => {
    const run = async () => {
      for await (const _ of splitScript(functionScript(100_000), { maxStatementBytes: 1024 * 1024 }));
    }
    await expect(run()).rejects.toMatchObject({ code: 'SCRIPT_INVALID', message: expect.stringMatching(/^the statement that starts at line 1 is larger than maxStatementBytes \(1048576 bytes\)$/) })
  })
})
