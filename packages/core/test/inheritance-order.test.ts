// Inheritance children keep their column order (fixtures/beyond-pg-dump/inheritance-order.sql), on every
// test server: pgkeep's dump restores them with their own column order and the same local/inherited flags of
// columns and constraints, where pg_dump's CREATE TABLE … INHERITS puts the parents' columns first. What
// PostgreSQL cannot express is pinned exactly: a child made under a scaffold parent numbers its real parents
// from 2 (pg_inherits.inhseqno; their order is kept). Where the order survives INHERITS, the text stays
// pg_dump's; and the --clean --if-exists dump replays over its own restore.
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { compareDatabases, createDatabase, localPgDumpMajor, restoreWithPsql, runPgDump, type TestDatabase } from '@pgkeep/testkit'
import { loadFixtures } from '@pgkeep/testkit/fixtures'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dumpToFile, testServers } from './helpers/dump-to-file'

const FIXTURE = fileURLToPath(new URL('./fixtures/beyond-pg-dump/inheritance-order.sql', import.meta.url))
const MIN_MAJOR = Number(/min-major=(\d+)/.exec(readFileSync(FIXTURE, 'utf8').split('\n', 1)[0]!)![1])
const servers = testServers(inject('pgDefault'), inject('pgServers'))
const pgDumpMajor = await localPgDumpMajor()

/** A child whose name holds a line break, quotes and SQL. */
const ODD = 'notes\n"archived"; DROP TABLE fx_inherit.notes; --'
const ODD_IDENT = `"${ODD.replaceAll('"', '""')}"`
/** The children CREATE TABLE … INHERITS would reorder: pgkeep creates them in their order and attaches them. */
const ATTACHED = ['bills_paid', 'events_2024', 'meters_water', ODD, 'readings_remote', 'rooms', 'tenants_vip', 'tenants_vip_gold']
const ident = (name: string) => (name === ODD ? ODD_IDENT : name)
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** Children whose order INHERITS keeps: written as pg_dump writes them. */
const KEPT = ['bills_open', 'events_2025', 'tenants_late', 'addresses', 'stays_2024']

/** The parents of the children made under a scaffold (all but events_2024, whose columns are all its own), by inhseqno. */
const SCAFFOLDED_PARENTS: Array<[child: string, parent: string, seqno: number]> = [
  ['bills_paid', 'bills', 1],
  ['meters_water', 'meters', 1],
  [ODD, 'notes', 1],
  ['readings_remote', 'readings', 1],
  ['rooms', 'priced', 1],
  ['rooms', 'located', 2],
  ['tenants_vip', 'tenants', 1],
  ['tenants_vip_gold', 'tenants_vip', 1],
]

/** The one thing a restore of pgkeep's dump may differ in: the scaffold took inhseqno 1. */
const RESIDUAL = SCAFFOLDED_PARENTS.flatMap(([child, parent, n]) => [
  `catalog: only in source: inherits fx_inherit.${ident(child).replaceAll('\n', '\\n')} from fx_inherit.${parent} #${n}`,
  `catalog: only in copy: inherits fx_inherit.${ident(child).replaceAll('\n', '\\n')} from fx_inherit.${parent} #${n + 1}`,
]).sort()

describe.each(servers)('inheritance children on PostgreSQL $major', ({ url, major }) => {
  let source: TestDatabase | undefined
  let script = ''

  beforeAll(async () => {
    if (major < MIN_MAJOR) return
    source = await createDatabase(url, { prefix: 'inh_order' })
    await loadFixtures(source.url, [], { major })
    await restoreWithPsql(source.url, { file: FIXTURE })
    script = await readFile((await dumpToFile({ connection: source.url })).file, 'utf8')
  }, 120_000)

  afterAll(async () => {
    await source?.drop()
  })

  it('restores them in their own column order; only the numbering of their parents differs', async (ctx) => {
    ctx.skip(source === undefined, `the fixture needs PostgreSQL ${MIN_MAJOR}`)
    for (const child of ATTACHED) expect(script).toMatch(new RegExp(`\\nALTER (FOREIGN )?TABLE ONLY fx_inherit\\.${escape(ident(child))} INHERIT fx_inherit\\.`))
    for (const child of KEPT) expect(script).not.toMatch(new RegExp(`\\nALTER (FOREIGN )?TABLE ONLY fx_inherit\\.${child} INHERIT`))
    // the odd name stays inside its comment line
    expect(script).toContain(`\n-- notes "archived"; DROP TABLE fx_inherit.notes; -- keeps its column order`)
    const copy = await createDatabase(url, { prefix: 'inh_order_copy' })
    try {
      await restoreWithPsql(copy.url, script)
      const result = await compareDatabases(source!.url, copy.url)
      expect(result.differences.sort()).toEqual(RESIDUAL)
    } finally {
      await copy.drop()
    }
  })

  // where the local pg_dump can read the server (it refuses newer majors)
  if (pgDumpMajor !== undefined && pgDumpMajor >= major) it("pg_dump's own dump restores them with the parents' columns first", async (ctx) => {
    ctx.skip(source === undefined, `the fixture needs PostgreSQL ${MIN_MAJOR}`)
    const copy = await createDatabase(url, { prefix: 'inh_order_pgdump' })
    try {
      await restoreWithPsql(copy.url, await runPgDump(source!.url))
      const { differences } = await compareDatabases(source!.url, copy.url)
      const columnsOf = (table: string) => differences.filter((d) => d.startsWith(`catalog: only in copy: column fx_inherit.${ident(table).replaceAll('\n', '\\n')} #`))
      for (const child of ATTACHED) expect(columnsOf(child), child).not.toEqual([])
      for (const child of KEPT) expect(columnsOf(child), child).toEqual([])
    } finally {
      await copy.drop()
    }
  })

  // pg_dump writes other text for other majors: compared on the default server, as the other text tests do
  if (url === inject('pgDefault').url) it("writes pg_dump's text for every entry but the attached children's tables", async (ctx) => {
    ctx.skip(source === undefined, `the fixture needs PostgreSQL ${MIN_MAJOR}`)
    ctx.skip(pgDumpMajor !== major, `the local pg_dump (${pgDumpMajor ?? 'none'}) is not of PostgreSQL ${major}'s major`)
    const ours = entries(script)
    const theirs = entries(await runPgDump(source!.url))
    expect([...ours.keys()]).toEqual([...theirs.keys()])
    const differing = [...ours.keys()].filter((key) => ours.get(key) !== theirs.get(key))
    const header = (t: string) => `-- Name: ${t.replaceAll('\n', ' ')}; Type: ${t === 'readings_remote' ? 'FOREIGN TABLE' : 'TABLE'}; Schema: fx_inherit; Owner: postgres`
    expect(differing.sort()).toEqual(ATTACHED.map(header).sort())
  })

  it('replays its --clean --if-exists dump over its own restore', async (ctx) => {
    ctx.skip(source === undefined, `the fixture needs PostgreSQL ${MIN_MAJOR}`)
    const { file } = await dumpToFile({ connection: source!.url, clean: true, ifExists: true })
    const copy = await createDatabase(url, { prefix: 'inh_order_clean' })
    try {
      for (let round = 0; round < 3; round++) await restoreWithPsql(copy.url, { file })
      expect((await compareDatabases(source!.url, copy.url)).differences.sort()).toEqual(RESIDUAL)
    } finally {
      await copy.drop()
    }
  })
})

/** A script's entries by their `-- Name: …` header line (the random \restrict lines and the producer left out). */
function entries(script: string): Map<string, string> {
  const out = new Map<string, string>()
  const parts = script.split(/\n--\n(?=-- Name: )/)
  for (const part of parts.slice(1)) {
    const header = part.slice(0, part.indexOf('\n'))
    out.set(header, part.replace(/\n\\(un)?restrict \w+\n/g, '\n'))
  }
  return out
}
