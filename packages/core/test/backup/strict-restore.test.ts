// Strict restore against hostile scripts, on the real server: a backup whose .sql.gz someone with write
// access to the storage (a folder, an S3 bucket) altered, with its manifest patched so that every
// integrity check passes, is refused by backups.restore and backups.verify; the COPY … FROM PROGRAM it
// carries never runs (its marker file is never created), and the target stays as it was. The opt-out
// shows the same backup really would run the program. Then one refusal per rule through restore(),
// the scan pass of singleTransaction: false, the opt-out running a DO block, and pgkeep's own DO blocks
// (a --clean --if-exists dump) restoring under strict.
import { createHash, randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { createDatabase, runSql, startS3Server, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manifestKeyOf } from '../../src/backup/backup-name'
import { createBackupManager, dump, fsStorage, restore, s3Storage, type StorageDriver } from '../../src/index'
import type { BackupManifest } from '../../src/manifest/manifest'
import { failure } from '../failure'

const server = inject('pgDefault')
let source: TestDatabase
let dir: string
let markers: string
let s3: S3Server
let plain: Buffer

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'strict_src' })
  await runSql(source.url, `
    CREATE TABLE public.rooms (id serial PRIMARY KEY, name text NOT NULL);
    INSERT INTO public.rooms (name) SELECT 'room ' || g FROM generate_series(1, 30) g;
    CREATE TABLE public.bills (id integer PRIMARY KEY, room integer REFERENCES public.rooms, amount numeric(12, 2));
    INSERT INTO public.bills SELECT g, 1 + g % 30, g * 10.5 FROM generate_series(1, 200) g;`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-strict-'))
  // the server's OS user must be able to create the marker, were the program ever run
  markers = await mkdtemp(join(tmpdir(), 'pgkeep-strict-markers-'))
  await chmod(markers, 0o777)
  s3 = await startS3Server()
  plain = await dumpText()
}, 120_000)
afterAll(async () => {
  await source?.drop()
  await s3?.stop()
  for (const d of [dir, markers]) if (d) await rm(d, { recursive: true, force: true })
})

async function dumpText(options: Record<string, unknown> = {}): Promise<Buffer> {
  const chunks: Buffer[] = []
  const out = new Writable({ write: (chunk: Buffer, _e, done) => { chunks.push(chunk); done() } })
  await dump({ connection: source.url, ...options }, out)
  return Buffer.concat(chunks)
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}

/** What a database holds: its relations and the rows of the canary table. */
async function contents(url: string): Promise<string[]> {
  const rows = await runSql<{ r: string }>(url, "SELECT relkind::text || ' ' || relname AS r FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname")
  const canary = await runSql<{ v: string }>(url, 'SELECT string_agg(v, \',\' ORDER BY v) AS v FROM public.canary').catch(() => [{ v: 'no canary' }])
  return [...rows.map((r) => r.r), `canary: ${canary[0]!.v}`]
}

async function targetWithCanary(prefix: string): Promise<TestDatabase> {
  const target = await createDatabase(server.url, { prefix })
  await runSql(target.url, "CREATE TABLE public.canary (v text); INSERT INTO public.canary VALUES ('before')")
  return target
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * Inserts `lines` at the end of the backup's first gzip member (the preamble and definitions) and
 * rewrites the manifest to match: the member's length and inflated size, the later members' and tables'
 * offsets, the object's size and sha256. Returns the line the first inserted line lands on.
 */
async function tamper(storage: StorageDriver, storagePath: string, lines: string[]): Promise<number> {
  const manifestKey = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readAll(await storage.get(manifestKey))).toString('utf8')) as BackupManifest
  const bytes = await readAll(await storage.get(storagePath))
  const first = manifest.members[0]!
  expect(first).toMatchObject({ offset: 0, label: null })
  const text = gunzipSync(bytes.subarray(0, first.length)).toString('utf8')
  expect(text.endsWith('\n')).toBe(true)
  const line = text.split('\n').length
  const changed = gzipSync(Buffer.from(`${text}${lines.join('\n')}\n`, 'utf8'))
  const object = Buffer.concat([changed, bytes.subarray(first.length)])
  const delta = changed.length - first.length
  first.uncompressed = Buffer.byteLength(`${text}${lines.join('\n')}\n`)
  first.length = changed.length
  for (const m of manifest.members.slice(1)) m.offset += delta
  for (const t of manifest.tables) t.member.offset += delta
  manifest.size = object.length
  manifest.sha256 = createHash('sha256').update(object).digest('hex')
  await storage.put(storagePath, Readable.from([object]))
  await storage.put(manifestKey, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]), { contentType: 'application/json' })
  return line
}

/** A data entry whose "data" is a program the server runs: what an attacker with storage access writes. */
function copyFromProgram(marker: string): string[] {
  return ['--', '-- Data for Name: rooms; Type: TABLE DATA; Schema: public; Owner: postgres', '--', '', `COPY public.rooms (id, name) FROM PROGRAM 'touch ${marker}';`, '']
}

describe.each(['folder', 'S3'] as const)('a hostile backup in %s storage', (kind) => {
  it('is refused by backups.restore and backups.verify, naming the line and rule; the program never runs and the target is unchanged; the opt-out would run it', async () => {
    const storage = kind === 'folder'
      ? fsStorage({ dir: await mkdtemp(join(dir, 'fs-')) })
      : s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, bucket: `pgkeep-strict-${randomBytes(4).toString('hex')}` })
    const backups = createBackupManager({ connection: source.url, storage })
    const record = await backups.create()
    const marker = join(markers, `${kind}-${randomBytes(4).toString('hex')}`)
    const at = await tamper(storage, record.storagePath, copyFromProgram(marker))
    const statementLine = at + 4
    const expected = new RegExp(`^line ${statementLine}: COPY … FROM PROGRAM is not something a dump contains; restore refuses it \\(in TABLE DATA public\\.rooms; rule: copy-from-stdin-only\\)$`)

    // the integrity checks pass: the refusal is strict restore's, not damage found
    const fresh = createBackupManager({ connection: source.url, storage })
    const name = `strict_new_${kind.toLowerCase()}_${Date.now()}`
    const refused = await failure(fresh.restore(record.id, { target: server.url, createDatabase: name }), 'SCRIPT_REFUSED')
    expect(refused.message).toMatch(expected)
    expect(await exists(marker)).toBe(false)
    expect(await databaseExists(name)).toBe(false)

    const target = await targetWithCanary('strict_tgt')
    try {
      const before = await contents(target.url)
      const again = await failure(fresh.restore(record.id, { target: target.url, allowNonEmpty: true }), 'SCRIPT_REFUSED')
      expect(again.message).toMatch(expected)
      expect(await exists(marker)).toBe(false)
      expect(await contents(target.url)).toEqual(before)

      const report = await fresh.verify(record.id)
      expect(report.integrity.ok).toBe(true)
      expect(report.ok).toBe(false)
      expect(report.error?.code).toBe('SCRIPT_REFUSED')
      expect(report.error?.message).toMatch(expected)
      expect((await fresh.get(record.id)).verified?.ok).toBe(false)
      expect(await exists(marker)).toBe(false)
      const scratch = await runSql<{ datname: string }>(server.url, `SELECT datname FROM pg_database WHERE datname LIKE 'pgkeep_verify_${record.id.slice(0, 8)}%'`)
      expect(scratch).toEqual([])

      // The control: without strict restore the same backup runs the program on the database server.
      await fresh.restore(record.id, { target: target.url, clean: true, allowAnyStatement: true })
      expect(await exists(marker)).toBe(true)
    } finally {
      await target.drop()
    }
  }, 120_000)
})

describe('a script of pg_dump --create', () => {
  it('is refused at its CREATE DATABASE with a hint that says what it is and what to do', async () => {
    const text = plain.toString('utf8')
    // pg_dump -C writes the database's entry after the preamble: CREATE DATABASE, then \connect
    const anchor = text.indexOf('\n--\n-- Name: ')
    expect(anchor).toBeGreaterThan(0)
    const before = text.slice(0, anchor + 1)
    const line = before.split('\n').length + 4
    const entry = `--\n-- Name: kost_made; Type: DATABASE; Schema: -; Owner: postgres\n--\n\nCREATE DATABASE kost_made WITH TEMPLATE = template0 ENCODING = 'UTF8';\n\n\n\\connect kost_made\n\n`
    const target = await targetWithCanary('strict_create')
    try {
      const error = await failure(restore(Buffer.from(`${before}${entry}${text.slice(anchor + 1)}`), { target: target.url, allowNonEmpty: true }), 'SCRIPT_REFUSED')
      expect(error.message).toBe(`line ${line}: CREATE DATABASE is not something a dump of one database contains; restore refuses it (in DATABASE kost_made; rule: no-cluster-wide-changes)`)
      expect(error.hint).toMatch(/^This is a script of pg_dump --create \(-C\).*Make the dump without --create, and restore it into the database you want \(createDatabase; pgkeep restore -C <name>\)\.$/)
      expect(await databaseExists('kost_made')).toBe(false)
    } finally {
      await target.drop()
    }
  }, 60_000)
})

describe('restore() refuses each rule\'s statements in a real dump, applying nothing', () => {
  // [rule, the entry header (type) the statement sits under, the statement]
  const cases: [string, string, string][] = [
    ['copy-from-stdin-only', 'TABLE DATA', "COPY public.rooms (id, name) FROM 'pg_hba.conf';"],
    ['copy-from-stdin-only', 'TABLE DATA', "COPY public.rooms TO 'rooms.csv';"],
    ['no-cluster-wide-changes', 'TABLE', 'ALTER SYSTEM SET log_statement = \'none\';'],
    ['no-cluster-wide-changes', 'TABLE', 'CREATE ROLE pgkeep_strict_evil SUPERUSER;'],
    ['no-cluster-wide-changes', 'TABLE', "ALTER DATABASE postgres SET work_mem = '1GB';"],
    ['do-pgkeep-templates-only', 'TABLE', "DO $$BEGIN INSERT INTO public.canary VALUES ('from do'); END$$;"],
    ['select-catalog-calls-only', 'TABLE', "SELECT pg_catalog.pg_read_file('postgresql.conf');"],
    ['select-catalog-calls-only', 'SEQUENCE SET', "SELECT pg_catalog.setval('public.rooms_id_seq', (SELECT 1), true);"],
    ['insert-values-only', 'TABLE DATA', 'INSERT INTO public.canary SELECT rolname FROM pg_catalog.pg_roles;'],
    ['set-dump-settings-only', 'TABLE', "SET session_replication_role = 'replica';"],
    ['role-switch-to-owners', 'TABLE', 'SET SESSION AUTHORIZATION pgkeep_nobody_owns_this;'],
    ['c-functions-from-libdir', 'FUNCTION', "CREATE FUNCTION public.evil() RETURNS integer LANGUAGE c AS '/srv/uploads/evil.so', 'evil';"],
    ['subscription-not-connected', 'SUBSCRIPTION', "CREATE SUBSCRIPTION evil CONNECTION 'host=192.0.2.1' PUBLICATION p;"],
    ['grant-on-objects', 'ACL', 'GRANT pg_read_server_files TO PUBLIC;'],
    ['dump-statement-forms', 'TABLE', "LOAD 'auto_explain';"],
    ['dump-statement-forms', 'TABLE', 'CHECKPOINT;'],
    ['dump-statement-forms', 'TABLE', 'VACUUM public.rooms;'],
    ['dump-statement-forms', 'TABLE', "NOTIFY pgkeep, 'x';"],
    ['dump-statement-forms', 'TABLE', 'LISTEN pgkeep;'],
    ['dump-statement-forms', 'TABLE', 'PREPARE p AS SELECT 1;'],
    ['dump-statement-forms', 'TABLE', 'CALL public.nothing();'],
    ['dump-statement-forms', 'TABLE DATA', "UPDATE public.canary SET v = 'changed';"],
    ['dump-statement-forms', 'TABLE DATA', 'TRUNCATE public.canary;'],
  ]

  it.each(cases)('%s: %s %s', async (rule, type, sql) => {
    const text = plain.toString('utf8')
    // after the rooms table's CREATE, under a header of the given type
    const anchor = text.indexOf('\n--\n-- Name: rooms_id_seq;')
    expect(anchor).toBeGreaterThan(0)
    const before = text.slice(0, anchor + 1)
    const line = before.split('\n').length + 4
    const header = `--\n-- ${type === 'TABLE DATA' ? 'Data for ' : ''}Name: rooms; Type: ${type}; Schema: public; Owner: postgres\n--\n\n`
    const script = `${before}${header}${sql}\n\n${text.slice(anchor + 1)}`
    const target = await targetWithCanary('strict_rule')
    try {
      const was = await contents(target.url)
      for (const singleTransaction of [true, false]) {
        const error = await failure(restore(Buffer.from(script), { target: target.url, allowNonEmpty: true, singleTransaction }), 'SCRIPT_REFUSED')
        expect(error.message).toMatch(new RegExp(`^line ${line}: .*; restore refuses it \\(in ${type} public\\.rooms; rule: ${rule}\\)$`))
        expect(await contents(target.url)).toEqual(was)
      }
      const roles = await runSql<{ n: string }>(server.url, "SELECT count(*) AS n FROM pg_roles WHERE rolname = 'pgkeep_strict_evil'")
      expect(roles[0]!.n).toBe('0')
    } finally {
      await target.drop()
    }
  }, 60_000)
})

describe('restore() statement by statement, and the opt-out', () => {
  it('singleTransaction: false reads the whole script before applying any of it, and refuses a stream it cannot read twice', async () => {
    const script = Buffer.concat([plain, Buffer.from("\nSELECT pg_catalog.pg_sleep(0);\n")])
    const target = await createDatabase(server.url, { prefix: 'strict_scan' })
    try {
      const error = await failure(restore(script, { target: target.url, singleTransaction: false }), 'SCRIPT_REFUSED')
      expect(error.message).toMatch(/rule: select-catalog-calls-only\)$/)
      // the refused statement is the last one: statement by statement, everything before it would have been committed
      expect(await contents(target.url)).toEqual(['canary: no canary'])
      const stream = await failure(restore(Readable.from([script]), { target: target.url, singleTransaction: false }), 'OPTIONS_INVALID')
      expect(stream.message).toContain('read twice')
      await restore(Readable.from([plain]), { target: target.url, singleTransaction: false, allowAnyStatement: true })
      expect((await contents(target.url)).filter((r) => r.startsWith('r '))).toEqual(['r bills', 'r rooms'])
    } finally {
      await target.drop()
    }
  })

  it('allowAnyStatement: true runs a script with a DO block that strict restore refuses', async () => {
    const script = Buffer.concat([plain, Buffer.from('\nDO $$BEGIN CREATE TABLE public.made_by_do (id integer); END$$;\n')])
    const target = await createDatabase(server.url, { prefix: 'strict_optout' })
    try {
      const error = await failure(restore(script, { target: target.url }), 'SCRIPT_REFUSED')
      expect(error.message).toMatch(/^line \d+: a DO block other than the ones pgkeep writes is not something a dump contains; restore refuses it \(in .*; rule: do-pgkeep-templates-only\)$/)
      expect(await contents(target.url)).toEqual(['canary: no canary'])
      await restore(script, { target: target.url, allowAnyStatement: true })
      expect((await contents(target.url)).filter((r) => r.startsWith('r '))).toEqual(['r bills', 'r made_by_do', 'r rooms'])
    } finally {
      await target.drop()
    }
  })

  it('pgkeep\'s own DO blocks (a --clean --if-exists dump with a view cycle and a domain constraint) restore under strict', async () => {
    const db = await createDatabase(server.url, { prefix: 'strict_do' })
    try {
      await runSql(db.url, `
        CREATE DOMAIN public.positive AS integer;
        ALTER DOMAIN public.positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;
        CREATE VIEW public.v1 AS SELECT 1 AS x;
        CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT x FROM public.v1; END;
        CREATE OR REPLACE VIEW public.v1 AS SELECT public.f() AS x;`)
      const chunks: Buffer[] = []
      const out = new Writable({ write: (chunk: Buffer, _e, done) => { chunks.push(chunk); done() } })
      await dump({ connection: db.url, clean: true, ifExists: true }, out)
      const script = Buffer.concat(chunks)
      const text = script.toString('utf8')
      expect(text.match(/^DO \$/gm)?.length).toBe(2)
      expect(text).toContain('EXECUTE $q$CREATE OR REPLACE VIEW public.v1 AS')
      expect(text).toContain('EXECUTE $q$ALTER DOMAIN public.positive DROP CONSTRAINT IF EXISTS positive_check')
      const target = await createDatabase(server.url, { prefix: 'strict_do_tgt' })
      try {
        await restore(script, { target: target.url })
        // and over its own restore, where the guards find their objects and run the statements they hold
        await restore(script, { target: target.url, clean: true })
        const views = await runSql<{ v: string }>(target.url, "SELECT pg_get_viewdef('public.v1'::regclass) AS v")
        expect(views[0]!.v).toContain('f()')
      } finally {
        await target.drop()
      }
    } finally {
      await db.drop()
    }
  })
})

