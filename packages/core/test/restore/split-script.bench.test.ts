// Throughput of the splitter on 200 MB scripts made on the fly (64 KiB chunks, nothing held): one shaped
// like a data-heavy dump (COPY blocks), one made only of statements (strings, comments, dollar-quoted
// bodies, BEGIN ATOMIC); and one 50 MB statement made of a single identifier (scanned in linear time).
// Opt-in: PGKEEP_SPLIT_BENCH=1 (the MB/s figures are printed).
import { skipAllWhen } from '@pgkeep/testkit/skip-when'
import { describe, expect, it } from 'vitest'
import { splitScript } from '../../src/restore/split-script'

const TOTAL = 200 * 1024 * 1024
const CHUNK = 64 * 1024

function copyBlock(): Buffer {
  const rows: string[] = []
  for (let i = 0; i < 10_000; i++) rows.push(`${i}\tname ${i} with ü and a tab\\there\t2026-11-26 05:13:22.238859+00\t{"k": "v\\\\n"}\t\\N\n`)
  return Buffer.from(
    '--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: postgres\n--\n\n' +
      'COPY public.t (id, name, created, payload, note) FROM stdin;\n' +
      rows.join('') +
      '\\.\n\n\n' +
      "--\n-- Name: t_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres\n--\n\nSELECT pg_catalog.setval('public.t_id_seq', 10000, true);\n\n\n",
  )
}

function statementBlock(): Buffer {
  const parts: string[] = []
  for (let i = 0; i < 200; i++) {
    parts.push(
      `--\n-- Name: f${i}(integer, text); Type: FUNCTION; Schema: app; Owner: postgres\n--\n\n` +
        `CREATE FUNCTION app.f${i}(a integer, b text) RETURNS text\n    LANGUAGE plpgsql STABLE\n    AS $_$\nBEGIN\n  -- a comment; with a semicolon\n  RETURN format('%s-%s', a, b) || $$;$$ || 'it''s';\nEND\n$_$;\n\n\n` +
        `ALTER FUNCTION app.f${i}(a integer, b text) OWNER TO postgres;\n\n` +
        `CREATE FUNCTION app.g${i}(x integer) RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT CASE WHEN (x > 0) THEN 1 ELSE 0 END AS "case";\nEND;\n\n` +
        `CREATE TABLE app."tbl ${i}" (\n    id integer NOT NULL,\n    note text DEFAULT 'a;b /* not a comment */'::text,\n    CONSTRAINT c${i} CHECK ((id > 0))\n);\n\n` +
        `COMMENT ON TABLE app."tbl ${i}" IS E'multi\\nline; with \\'quotes\\'';\n\n` +
        `INSERT INTO app."tbl ${i}" VALUES (${i}, 'row /* ${i} */ -- text'), (${i + 1}, NULL);\n\n`,
    )
  }
  return Buffer.from(parts.join(''))
}

async function* repeat(block: Buffer, total: number): AsyncGenerator<Buffer> {
  let sent = 0
  const script = Buffer.concat([Buffer.from('\\restrict k\n\n'), block])
  let offset = 0
  const tail = Buffer.from('\n\\unrestrict k\n')
  while (sent < total) {
    // cut the repeated block into CHUNK pieces that straddle block edges
    const piece = Buffer.alloc(CHUNK)
    let filled = 0
    while (filled < CHUNK) {
      const n = Math.min(CHUNK - filled, script.length - offset)
      script.copy(piece, filled, offset, offset + n)
      filled += n
      offset += n
      if (offset === script.length) offset = 13 // skip the \restrict line on later rounds
    }
    sent += CHUNK
    yield piece
  }
  // finish the block in progress, then close
  yield script.subarray(offset)
  yield tail
}

async function measure(label: string, block: Buffer): Promise<void> {
  const t0 = process.hrtime.bigint()
  let bytes = 0
  let statements = 0
  let copies = 0
  let peakRss = 0
  for await (const item of splitScript(repeat(block, TOTAL))) {
    if (item.kind === 'statement') {
      statements++
      bytes += item.sql.length
    } else if (item.kind === 'copy') {
      copies++
      for await (const part of item.data) bytes += part.length
    }
    if ((statements & 0x3ff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const mb = TOTAL / (1024 * 1024)
  console.log(`${label}: ${mb} MiB in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MiB/s; ${statements} statements, ${copies} COPY blocks; peak RSS ${(peakRss / 1048576).toFixed(0)} MiB`)
  expect(statements + copies).toBeGreaterThan(0)
}

/** One statement of `size` bytes, most of it a single unquoted identifier the lexer cannot decide until its end. */
async function measureLongToken(size: number): Promise<void> {
  const input = (async function* () {
    yield Buffer.from('SELECT 1 AS ')
    const chunk = Buffer.alloc(CHUNK, 'a')
    for (let sent = 0; sent < size; sent += CHUNK) yield chunk
    yield Buffer.from(';\n')
  })()
  const t0 = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  let bytes = 0
  for await (const item of splitScript(input)) if (item.kind === 'statement') bytes += item.sql.length
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const mb = size / (1024 * 1024)
  console.log(`one ${mb} MiB statement (a single identifier): ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MiB/s (${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of CPU); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)
  expect(bytes).toBeGreaterThan(size)
}

describe('throughput (PGKEEP_SPLIT_BENCH=1)', () => {
  skipAllWhen(process.env.PGKEEP_SPLIT_BENCH ? undefined : 'an opt-in benchmark: set PGKEEP_SPLIT_BENCH=1 to run it')
  it('200 MB of COPY-heavy dump', { timeout: 600_000 }, async () => {
    await measure('COPY-heavy', copyBlock())
  })
  it('200 MB of statements', { timeout: 600_000 }, async () => {
    await measure('statements only', statementBlock())
  })
  it('one 50 MB statement', { timeout: 600_000 }, async () => {
    await measureLongToken(50 * 1024 * 1024)
  })
})
