// Table row types and array types (most of pg_type) are kept as rows and made into objects only when
// something asks for them. What must hold: the names formed for them are the server's format_type; the
// ones that objects depend on are made, with their own dependencies, and the others are not; the
// script is pg_dump's, line for line.
import { createDatabase, runPgDump, runSql, type TestDatabase } from '@pgkeep/testkit'
import { pgDumpNotOfMajor } from '@pgkeep/testkit/skip-reasons'
import pg from 'pg'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DumpContext } from '../src/catalog/context'
import { newDumpContext } from '../src/catalog/new-context'
import { readCatalog } from '../src/catalog/read-catalog'
import { PG_TYPE } from '../src/catalog/type-table'
import { resolveDumpOptions } from '../src/options'
import { resolveSelection } from '../src/select/resolve-selection'
import { openDumpSession } from '../src/session/dump-session'
import { comparableLines, diffLines } from './dump-diff'
import { dumpToFile } from './helpers/dump-to-file'

const server = inject('pgDefault')
const cannotCompare = await pgDumpNotOfMajor(server.major)
let db: TestDatabase

const SCHEMA = `
CREATE SCHEMA "Odd Schema";
CREATE TYPE "Odd Schema".mood AS ENUM ('sad', 'ok');
CREATE DOMAIN "Odd Schema".posint AS integer CHECK (VALUE > 0);
CREATE TABLE "Odd Schema"."select" (id integer PRIMARY KEY, m "Odd Schema".mood[]);
CREATE TABLE "Odd Schema"."MixedCase" (id integer);
CREATE TABLE public.lonely (id integer);
CREATE TABLE public.used (id integer, d "Odd Schema".posint[]);
CREATE TABLE public.holder (u public.used, us public.used[]);
CREATE FUNCTION public.unpack(r public.used[]) RETURNS SETOF public.used LANGUAGE sql AS 'SELECT * FROM unnest(r)';
CREATE FUNCTION public.widths(a integer[], b "char"[], c "Odd Schema"."MixedCase") RETURNS bpchar[] LANGUAGE sql AS 'SELECT NULL::bpchar[]';
CREATE VIEW public.v AS SELECT id FROM public.lonely;
CREATE TYPE public.floatrange AS RANGE (subtype = float8);
`

/** The catalog of `db` read as a dump reads it, on a session of its own. */
async function readContext(client: pg.Client): Promise<DumpContext> {
  const session = await openDumpSession(client)
  const options = resolveDumpOptions({ connection: db.url, schemaOnly: true })
  const ctx = newDumpContext(session, options, await resolveSelection(session, options))
  await readCatalog(ctx, { largeObjects: false, groupLargeObjects: false })
  return ctx
}

async function typeOid(client: pg.Client, name: string): Promise<number> {
  const { rows } = await client.query<{ oid: string }>(`SELECT $1::regtype::oid AS oid`, [name])
  return Number(rows[0]!.oid)
}

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'deferred_types' })
  await runSql(db.url, SCHEMA)
}, 60_000)

afterAll(async () => {
  await db?.drop()
})

describe('types made on request', () => {
  it('name every deferred type as format_type does, built-in or not', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      const ctx = await readContext(client)
      const { rows } = await client.query<{ oid: string; name: string }>('SELECT oid, pg_catalog.format_type(oid, NULL) AS name FROM pg_catalog.pg_type')
      const byOid = new Map(rows.map((r) => [Number(r.oid), r.name]))
      const typeName = (oid: number) => byOid.get(oid)
      let deferred = 0
      const wrong: string[] = []
      for (const [oid, expected] of byOid) {
        const formed = ctx.types.formatDeferred(oid, typeName)
        if (formed === undefined) continue
        deferred++
        if (formed !== expected) wrong.push(`${oid}: format_type ${expected}, formed ${formed}`)
      }
      expect(wrong).toEqual([])
      // every table's row type and array, the built-in arrays and the multiranges
      expect(deferred).toBeGreaterThan(200)
      const names = ['integer[]', '"char"[]', 'bpchar[]', 'pg_class', 'pg_class[]', '"Odd Schema"."select"', '"Odd Schema"."MixedCase"[]', '"Odd Schema".mood[]', 'public.used[]']
      if (server.major >= 14) names.push('public.floatmultirange', 'int4multirange')
      for (const name of names) {
        const oid = await typeOid(client, name)
        expect(ctx.types.formatDeferred(oid, typeName), name).toBe(byOid.get(oid))
      }
      await client.query('COMMIT')
    } finally {
      await client.end()
    }
  })

  it('are made when an object depends on them, with their own dependencies, and only then', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      const ctx = await readContext(client)
      const tableOf = (name: string) => ctx.tableList.find((t) => t.name === name)!
      // nothing depends on these row types and arrays: they stay rows
      for (const name of ['public.lonely', 'public.lonely[]', 'public.v', 'public.holder[]']) {
        expect(ctx.types.isWaiting(await typeOid(client, name)), name).toBe(true)
        expect(ctx.registry.findMade(PG_TYPE, await typeOid(client, name)), name).toBeUndefined()
      }
      // public.holder's columns and unpack() depend on public.used and its array type
      const used = ctx.registry.findMade(PG_TYPE, await typeOid(client, 'public.used'))!
      const usedArray = ctx.registry.findMade(PG_TYPE, await typeOid(client, 'public.used[]'))!
      expect(used.kind).toBe('DUMMY_TYPE')
      expect(usedArray.kind).toBe('DUMMY_TYPE')
      expect(used.deps).toContain(tableOf('used').dumpId)
      expect(usedArray.deps).toContain(used.dumpId)
      expect(tableOf('holder').deps).toEqual(expect.arrayContaining([used.dumpId, usedArray.dumpId]))
      // widths() takes a "MixedCase" row: that row type is made, its array is not
      expect(ctx.registry.findMade(PG_TYPE, await typeOid(client, '"Odd Schema"."MixedCase"'))?.deps).toContain(tableOf('MixedCase').dumpId)
      expect(ctx.types.isWaiting(await typeOid(client, '"Odd Schema"."MixedCase"[]'))).toBe(true)
      // the ids of types not made stay reserved, so every other object keeps its id
      expect(ctx.registry.maxDumpId).toBeGreaterThan(ctx.registry.all().length)
      // asking makes the object at its reserved id
      const lonely = ctx.types.get(await typeOid(client, 'public.lonely'))!
      expect(lonely.kind).toBe('DUMMY_TYPE')
      expect(ctx.registry.get(lonely.dumpId)).toBe(lonely)
      expect(ctx.types.isWaiting(lonely.catId.oid)).toBe(false)
      await client.query('COMMIT')
    } finally {
      await client.end()
    }
  })

  it('leave the script pg_dump\'s, line for line', async (t) => {
    t.skip(cannotCompare !== undefined, cannotCompare)
    const reference = await runPgDump(db.url, ['-s'])
    const { file } = await dumpToFile({ connection: db.url, schemaOnly: true })
    const ours = await readFile(file, 'utf8')
    expect(diffLines(comparableLines(reference), comparableLines(ours))).toEqual([])
    expect(ours).toContain('CREATE FUNCTION public.widths(a integer[], b "char"[], c "Odd Schema"."MixedCase") RETURNS character[]')
    expect(ours).toContain('CREATE FUNCTION public.unpack(r public.used[]) RETURNS SETOF public.used')
  })
})
