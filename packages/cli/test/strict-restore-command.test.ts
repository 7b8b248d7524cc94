// `pgkeep restore` is strict: a dump file carrying COPY … FROM PROGRAM ends with exit status 1 and
// [SCRIPT_REFUSED] naming the line and rule, the program never runs and the target is left empty;
// --allow-any-statement runs a script with a DO block that strict restore refuses.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let source: TestDatabase
let dir: string
let plain: string

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'cli_strict_src' })
  await runSql(source.url, "CREATE TABLE rooms (id integer PRIMARY KEY, name text); INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 10) g;")
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-strict-'))
  await chmod(dir, 0o777)
  plain = join(dir, 'source.sql')
  const made = await run(['dump', source.url, '-f', plain])
  expect(made.code, made.stderr).toBe(0)
})
afterAll(async () => {
  await source?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function tables(url: string): Promise<string[]> {
  const rows = await runSql<{ relname: string }>(url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1")
  return rows.map((r) => r.relname)
}

describe('pgkeep restore is strict', () => {
  it('refuses COPY … FROM PROGRAM with exit 1 and [SCRIPT_REFUSED] naming the line and rule; nothing runs', async () => {
    const text = await readFile(plain, 'utf8')
    const marker = join(dir, 'marker')
    const lines = text.split('\n').length
    const hostile = join(dir, 'hostile.sql')
    await writeFile(hostile, `${text}--\n-- Data for Name: rooms; Type: TABLE DATA; Schema: public; Owner: postgres\n--\n\nCOPY public.rooms (id, name) FROM PROGRAM 'touch ${marker}';\n`)
    const target = await createDatabase(server.url, { prefix: 'cli_strict_t' })
    try {
      const result = await run(['restore', hostile, target.url, '--quiet'])
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain(`pgkeep: error: line ${lines + 4}: COPY … FROM PROGRAM is not something a dump contains; restore refuses it (in TABLE DATA public.rooms; rule: copy-from-stdin-only) [SCRIPT_REFUSED]\n`)
      expect(result.stderr).toContain('--allow-any-statement')
      expect(await stat(marker).then(() => true, () => false)).toBe(false)
      expect(await tables(target.url)).toEqual([])
    } finally {
      await target.drop()
    }
  })

  it('--allow-any-statement runs a script with a DO block that is refused without it', async () => {
    const script = join(dir, 'with-do.sql')
    await writeFile(script, `${await readFile(plain, 'utf8')}\nDO $$BEGIN CREATE TABLE public.made_by_do (id integer); END$$;\n`)
    const target = await createDatabase(server.url, { prefix: 'cli_strict_do' })
    try {
      const strict = await run(['restore', script, target.url, '--quiet'])
      expect(strict.code).toBe(1)
      expect(strict.stderr).toMatch(/rule: do-pgkeep-templates-only\) \[SCRIPT_REFUSED\]\n/)
      expect(await tables(target.url)).toEqual([])
      const allowed = await run(['restore', script, target.url, '--quiet', '--allow-any-statement'])
      expect({ code: allowed.code, stderr: allowed.stderr }).toEqual({ code: 0, stderr: '' })
      expect(await tables(target.url)).toEqual(['made_by_do', 'rooms'])
    } finally {
      await target.drop()
    }
  })
})
