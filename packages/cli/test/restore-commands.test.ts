// `pgkeep restore` and `pgkeep verify` end to end through runCli: a dump file (plain, .gz, a path relative
// to cwd) or stdin into a database, --create-database, --list, -t, the refusal of a non-empty target,
// a stored backup by id, verify on a good and on a damaged backup (and with -j / PGKEEP_RESTORE_JOBS), and --max-statement-size.
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { assertSameDatabase, createDatabase, runSql, withDatabase, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let source: TestDatabase
let dir: string
let plain: string
let gz: string

beforeAll(async () => {
  source = await createDatabase(server.url, { prefix: 'cli_rs_src' })
  await runSql(source.url, `
    CREATE TABLE rooms (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
    INSERT INTO rooms (name) SELECT 'room ' || g FROM generate_series(1, 40) g;
    CREATE TABLE bills (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, room integer NOT NULL REFERENCES rooms, amount numeric(12, 2) NOT NULL, note text);
    INSERT INTO bills (room, amount, note) SELECT 1 + g % 40, g * 1000.5, CASE WHEN g % 7 = 0 THEN E'tab\\there, ünïcode' END FROM generate_series(1, 500) g;
    CREATE VIEW big_bills AS SELECT * FROM bills WHERE amount > 100000;`)
  dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-rs-'))
  plain = join(dir, 'source.sql')
  gz = join(dir, 'source.sql.gz')
  for (const file of [plain, gz]) {
    const made = await run(['dump', source.url, '-f', file])
    expect(made.code, made.stderr).toBe(0)
  }
})
afterAll(async () => {
  await source?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function relations(url: string): Promise<string[]> {
  const rows = await runSql<{ r: string }>(url, "SELECT relkind::text || ' ' || relname AS r FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'S') ORDER BY relname")
  return rows.map((r) => r.r)
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await runSql<{ n: string }>(server.url, `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0]!.n !== '0'
}

const restored = (database: string) => new RegExp(`^restored \\d+ entries \\(\\d+ statements, 2 tables\\) into ${database}\\n$`)

describe('pgkeep restore <file|-> <target>', () => {
  it('restores a plain dump, a .gz dump (named relative to cwd) and a dump on stdin equal to the source', async () => {
    const cases: [string, string[], Readable | undefined][] = [
      ['plain file', [plain], undefined],
      ['gzip file relative to cwd', ['source.sql.gz'], undefined],
      ['plain on stdin', ['-'], createReadStream(plain)],
      ['gzip on stdin', ['-'], createReadStream(gz)],
    ]
    for (const [what, args, stdin] of cases) {
      const target = await createDatabase(server.url, { prefix: 'cli_rs' })
      try {
        const result = await run(['restore', ...args, target.url], { cwd: dir, ...(stdin ? { stdin } : {}) })
        expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' })
        expect(result.stdout).toMatch(restored(target.name))
        await assertSameDatabase(source.url, target.url)
      } finally {
        await target.drop()
      }
    }
  })

  it('without a target, a file restores where a backup id does: PGKEEP_DATABASE_URL, else DATABASE_URL', async () => {
    const [named, fallback] = [await createDatabase(server.url, { prefix: 'cli_rs_env' }), await createDatabase(server.url, { prefix: 'cli_rs_env' })]
    try {
      // PG* variables point elsewhere (a database that does not exist): the URL variables win, as for an id
      const pg = { PGHOST: '127.0.0.1', PGDATABASE: 'cli_rs_no_such_database' }
      const byPgkeep = await run(['restore', plain], { env: { ...pg, PGKEEP_DATABASE_URL: named.url, DATABASE_URL: fallback.url } })
      expect({ code: byPgkeep.code, stderr: byPgkeep.stderr }).toEqual({ code: 0, stderr: '' })
      expect(byPgkeep.stdout).toMatch(restored(named.name))
      const byDatabaseUrl = await run(['restore', plain], { env: { ...pg, DATABASE_URL: fallback.url } })
      expect({ code: byDatabaseUrl.code, stderr: byDatabaseUrl.stderr }).toEqual({ code: 0, stderr: '' })
      expect(byDatabaseUrl.stdout).toMatch(restored(fallback.name))
      await assertSameDatabase(source.url, fallback.url)
    } finally {
      await named.drop()
      await fallback.drop()
    }
  })

  it('--create-database makes the database and restores into it', async () => {
    const name = `cli_rs_created_${Date.now()}`
    try {
      const result = await run(['restore', gz, server.url, '--create-database', name])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(restored(name))
      await assertSameDatabase(source.url, withDatabase(server.url, name))
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    // a name that exists already: refused, and the existing database is left alone
    const existing = await createDatabase(server.url, { prefix: 'cli_rs_exists' })
    try {
      const again = await run(['restore', gz, server.url, '-C', existing.name])
      expect(again.code).toBe(1)
      expect(again.stderr).toContain('[TARGET_NOT_EMPTY]')
      expect(await databaseExists(existing.name)).toBe(true)
      expect(await relations(existing.url)).toEqual([])
    } finally {
      await existing.drop()
    }
  })

  it('an empty script (an empty file, /dev/null, empty stdin) is refused with exit 1, and -C creates nothing', async () => {
    const empty = join(dir, 'empty.sql')
    await writeFile(empty, '')
    const name = `cli_rs_empty_${Date.now()}`
    const file = await run(['restore', empty, server.url, '-C', name])
    expect({ code: file.code, stdout: file.stdout }).toEqual({ code: 1, stdout: '' })
    expect(file.stderr).toBe(`pgkeep: error: the restore source file ${JSON.stringify(empty)} is empty (0 bytes): there is nothing to restore [OPTIONS_INVALID]\npgkeep: hint: a dump always starts with its header: check that the file is the one meant and that its download or copy finished\n`)
    for (const args of [['/dev/null'], ['-']]) {
      const result = await run(['restore', ...args, server.url, '-C', name], { stdin: Readable.from([]) })
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 1, stdout: '' })
      expect(result.stderr).toMatch(/^pgkeep: error: the script is empty \(0 bytes\): there is nothing to restore \[SCRIPT_INVALID\]\n/)
    }
    expect(await databaseExists(name)).toBe(false)
  })

  it('-j 2 restores a file, stdin and a stored backup equal to the source; PGKEEP_RESTORE_JOBS is read, PGKEEP_JOBS (the backup variable) is not; bad flags are usage errors, a bad variable OPTIONS_INVALID', async () => {
    const store = join(dir, 'store-j')
    const made = await run(['backup', source.url, '--dir', store, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout) as { id: string }
    const cases: [string, string[], Readable | undefined][] = [
      ['gzip file', [gz, '-j', '2'], undefined],
      ['gzip on stdin', ['-', '--jobs', '2'], createReadStream(gz)],
      ['stored backup', [record.id, '-j', '2', '--dir', store], undefined],
    ]
    for (const [what, args, stdin] of cases) {
      const target = await createDatabase(server.url, { prefix: 'cli_rs_j' })
      try {
        const result = await run(['restore', args[0]!, target.url, ...args.slice(1)], { cwd: dir, ...(stdin ? { stdin } : {}) })
        expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' })
        await assertSameDatabase(source.url, target.url)
      } finally {
        await target.drop()
      }
    }
    // statement by statement from stdin: refused serially (strict restore reads the script twice), done
    // with PGKEEP_RESTORE_JOBS=2 (a parallel restore checks as it goes and drops what it made on a refusal);
    // PGKEEP_JOBS, which sets backups' jobs, leaves the restore serial
    const target = await createDatabase(server.url, { prefix: 'cli_rs_envj' })
    try {
      for (const env of [{}, { PGKEEP_JOBS: '2' }]) {
        const serial = await run(['restore', '-', target.url, '--no-single-transaction'], { stdin: createReadStream(plain), env })
        expect(serial.code).toBe(1)
        expect(serial.stderr).toContain('[OPTIONS_INVALID]')
      }
      const parallel = await run(['restore', '-', target.url, '--no-single-transaction'], { stdin: createReadStream(plain), env: { PGKEEP_RESTORE_JOBS: '2' } })
      expect({ code: parallel.code, stderr: parallel.stderr }).toEqual({ code: 0, stderr: '' })
      await assertSameDatabase(source.url, target.url)
    } finally {
      await target.drop()
    }
    for (const [args, env, message] of [
      [['-j', '0'], {}, /expected a number from 1 to 16/],
      [['-j', '17'], {}, /expected a number from 1 to 16/],
    ] as [string[], Record<string, string>, RegExp][]) {
      const bad = await run(['restore', plain, server.url, ...args], { env })
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(message)
    }
    // a bad variable is refused as PGKEEP_JOBS is: OPTIONS_INVALID, exit 1 (a usage error is the command line's)
    for (const value of ['many', '0', '17']) {
      const bad = await run(['restore', plain, server.url], { env: { PGKEEP_RESTORE_JOBS: value } })
      expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: `pgkeep: error: PGKEEP_RESTORE_JOBS must be a whole number from 1 to 16; got "${value}" [OPTIONS_INVALID]\n` })
    }
  })

  it('--list prints the entries of a file and of stdin without a database', async () => {
    const listed = await run(['restore', gz, '--list'])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    const lines = listed.stdout.trimEnd().split('\n').map((l) => l.split('\t'))
    expect(lines.every((l) => l.length === 6)).toBe(true)
    const owner = new URL(server.url).username || 'postgres'
    expect(lines.map((l) => l.slice(0, 4).join(' '))).toEqual(expect.arrayContaining([
      'PRE_DATA TABLE public rooms',
      'PRE_DATA TABLE public bills',
      'PRE_DATA VIEW public big_bills',
      'DATA TABLE DATA public rooms',
      'DATA TABLE DATA public bills',
      'POST_DATA FK CONSTRAINT public bills bills_room_fkey',
    ]))
    const billsData = lines.find((l) => l[1] === 'TABLE DATA' && l[3] === 'bills')!
    expect(billsData[4]).toBe(owner)
    // the COPY block of bills: 500 lines
    expect(Number(billsData[5])).toBeGreaterThan(500 * 10)
    // entries in script order: definitions before data before constraints
    const sections = lines.map((l) => l[0])
    expect(sections.indexOf('DATA')).toBeGreaterThan(sections.lastIndexOf('PRE_DATA'))
    expect(sections.indexOf('POST_DATA')).toBeGreaterThan(sections.lastIndexOf('DATA'))
    const fromStdin = await run(['restore', '-', '--list'], { stdin: createReadStream(plain) })
    expect(fromStdin.code).toBe(0)
    expect(fromStdin.stdout).toBe(listed.stdout)
  })

  it('-t restores one table with its data and sequence', async () => {
    const target = await createDatabase(server.url, { prefix: 'cli_rs_t' })
    try {
      const result = await run(['restore', plain, target.url, '-t', 'rooms'])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^restored \\d+ entries \\(\\d+ statements, 1 tables\\) into ${target.name}\\n$`))
      expect(await relations(target.url)).toEqual(['r rooms', 'S rooms_id_seq'])
      expect(await runSql(target.url, 'SELECT count(*)::int AS n, max(id) AS top FROM rooms')).toEqual([{ n: 40, top: 40 }])
      expect(await runSql(target.url, "SELECT nextval('rooms_id_seq')::int AS next")).toEqual([{ next: 41 }])
    } finally {
      await target.drop()
    }
  })

  it('--max-statement-size refuses a longer statement with exit 1 and [SCRIPT_INVALID], applying nothing; a bad size is a usage error', async () => {
    const script = join(dir, 'long-statement.sql')
    await writeFile(script, `CREATE TABLE short_one (id int);\nCREATE TABLE long_one (note text DEFAULT '${'x'.repeat(3000)}');\n`)
    const target = await createDatabase(server.url, { prefix: 'cli_rs_limit' })
    try {
      const refused = await run(['restore', script, target.url, '--max-statement-size', '2kB'])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('the statement that starts at line 2 is larger than maxStatementBytes (2048 bytes) [SCRIPT_INVALID]')
      expect(refused.stderr).toContain('hint: Raise maxStatementBytes (pgkeep restore --max-statement-size)')
      expect(await relations(target.url)).toEqual([])
      const raised = await run(['restore', script, target.url, '--max-statement-size', '4096'])
      expect(raised.code, raised.stderr).toBe(0)
      expect(await relations(target.url)).toEqual(['r long_one', 'r short_one'])
    } finally {
      await target.drop()
    }
    for (const bad of ['64XB', '0', '-1', 'lots']) {
      const result = await run(['restore', script, '--max-statement-size', bad])
      expect(result.code, bad).toBe(2)
      expect(result.stderr, bad).toMatch(/option '--max-statement-size <size>' argument '.*' is invalid\. expected a size/)
    }
  })

  it('refuses a non-empty target with exit 1 and [TARGET_NOT_EMPTY], leaving it as it was', async () => {
    const target = await createDatabase(server.url, { prefix: 'cli_rs_full' })
    try {
      await runSql(target.url, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (7)")
      const result = await run(['restore', plain, target.url])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('[TARGET_NOT_EMPTY]')
      expect(result.stderr).toContain('(createDatabase; pgkeep restore -C), or pass clean to drop what the backup creates first (-c), or allowNonEmpty (--allow-non-empty)')
      expect(result.stderr).toContain('keep_me')
      expect(result.stdout).toBe('')
      expect(await relations(target.url)).toEqual(['r keep_me'])
      expect(await runSql(target.url, 'SELECT id FROM keep_me')).toEqual([{ id: 7 }])
    } finally {
      await target.drop()
    }
  })
})

describe('pgkeep restore <backup-id> and pgkeep verify <id>', () => {
  it('restores a stored backup by id, verifies it, and fails verify once a byte of it is flipped', async () => {
    const store = join(dir, 'store')
    const made = await run(['backup', source.url, '--dir', store, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout) as { id: string; size: number; storagePath: string }

    const target = await createDatabase(server.url, { prefix: 'cli_rs_id' })
    try {
      const result = await run(['restore', record.id, target.url, '--dir', store])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^restored \\d+ entries \\(\\d+ statements, 2 tables\\) into ${target.name}, read ${record.size} bytes\\n$`))
      await assertSameDatabase(source.url, target.url)
    } finally {
      await target.drop()
    }

    // --list of a stored backup by id: its entries, no database touched
    const entries = await run(['restore', record.id, '--dir', store, '--list'])
    expect(entries.stderr).toBe('')
    expect(entries.code).toBe(0)
    expect(entries.stdout).toMatch(/^PRE_DATA\tTABLE\tpublic\tbills\t\S+\t0$/m)
    expect(entries.stdout).toMatch(/^DATA\tTABLE DATA\tpublic\tbills\t\S+\t[1-9]\d*$/m)

    const ok = await run(['verify', record.id, server.url, '--dir', store])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^ok: 2 tables and 2 sequences match the manifest \(\d+ ms\)\n$/)
    // the scratch restore with jobs (read by members), from -j and from PGKEEP_RESTORE_JOBS; a bad value is refused
    const parallel = await run(['verify', record.id, server.url, '--dir', store, '-j', '2'])
    expect(parallel.stderr).toBe('')
    expect(parallel.stdout).toMatch(/^ok: 2 tables and 2 sequences match the manifest \(\d+ ms\)\n$/)
    const refused = await run(['verify', record.id, server.url, '--dir', store], { env: { PGKEEP_RESTORE_JOBS: '0' } })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('PGKEEP_RESTORE_JOBS must be a whole number from 1 to 16; got "0" [OPTIONS_INVALID]')
    // a verify that cannot reach its server says so with the code and records no verdict
    const down = new URL(server.url)
    down.port = '1'
    const unreachable = await run(['verify', record.id, down.toString(), '--dir', store])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stdout).toBe('')
    expect(unreachable.stderr).toMatch(/^pgkeep: error: unable to connect to .*127\.0\.0\.1:1\/.* \[CONNECT_FAILED\]\n/)
    const listed = JSON.parse((await run(['list', '--dir', store, '--json'])).stdout) as { id: string; verified: { ok: boolean } | null }[]
    expect(listed.find((r) => r.id === record.id)?.verified).toMatchObject({ ok: true })

    // one byte flipped in the middle of the bills member
    const manifest = JSON.parse(await readFile(join(store, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json')), 'utf8')) as {
      tables: { schema: string; name: string; member: { offset: number; length: number } }[]
    }
    const bills = manifest.tables.find((t) => t.name === 'bills')!
    const file = join(store, record.storagePath)
    const bytes = await readFile(file)
    bytes[bills.member.offset + Math.floor(bills.member.length / 2)]! ^= 0xff
    await writeFile(file, bytes)
    const bad = await run(['verify', record.id, server.url, '--dir', store])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/^FAILED: .*table:public\.bills/)
    expect(bad.stderr).toContain(`pgkeep: error: backup ${record.id} did not verify [BACKUP_CORRUPT]\n`)
    const scratch = await runSql<{ datname: string }>(server.url, `SELECT datname FROM pg_database WHERE datname LIKE 'pgkeep_verify_${record.id.slice(0, 8)}%'`)
    expect(scratch).toEqual([])
  })
})

describe('encrypted backups from the command line', () => {
  it('keygen makes a key pair; a backup to its public key verifies only with --identity', async () => {
    const keyFile = join(dir, 'backup-key.txt')
    const made = await run(['keygen', '-o', 'backup-key.txt'], { cwd: dir })
    expect(made.code, made.stderr).toBe(0)
    const recipient = made.stdout.trim()
    expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/)
    const keyText = await readFile(keyFile, 'utf8')
    expect(keyText).toMatch(new RegExp(`^# created: \\S+Z\n# public key: ${recipient}\nAGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\n$`))
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    const again = await run(['keygen', '-o', keyFile])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')
    expect(await readFile(keyFile, 'utf8')).toBe(keyText)

    const store = join(dir, 'store-x25519')
    const backup = await run(['backup', source.url, '--dir', store, '--recipient', recipient, '--json'])
    expect(backup.code, backup.stderr).toBe(0)
    const record = JSON.parse(backup.stdout) as { id: string; storagePath: string }
    expect(record.storagePath).toMatch(/\.sql\.gz\.age$/)
    expect((await readFile(join(store, record.storagePath))).subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1')

    const locked = await run(['verify', record.id, server.url, '--dir', store])
    expect(locked.code).toBe(1)
    expect(locked.stderr).toContain('[DECRYPTION_FAILED]')
    const ok = await run(['verify', record.id, server.url, '--dir', store, '--identity', keyFile])
    expect(ok.stderr).toBe('')
    expect(ok.stdout).toMatch(/^ok: 2 tables and 2 sequences match the manifest/)
    const viaEnv = await run(['verify', record.id, server.url, '--dir', store], { env: { PGKEEP_AGE_IDENTITY_FILE: keyFile } })
    expect(viaEnv.code, viaEnv.stderr).toBe(0)
    // --list without a key: refused, and the hint says how to list it (with a key: encrypted-list.test.ts)
    const list = await run(['restore', record.id, '--dir', store, '--list'])
    expect(list.code).toBe(1)
    expect(list.stdout).toBe('')
    expect(list.stderr).toBe(`pgkeep: error: backup ${record.id} is encrypted (X25519 recipients), and no identity was given to open it [OPTIONS_INVALID]\npgkeep: hint: give it the key file: pgkeep restore ${record.id} --list --identity <key file> (or set PGKEEP_AGE_IDENTITY_FILE)\n`)
    const listed = await run(['restore', record.id, '--dir', store, '--list', '--identity', keyFile])
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' })
    expect(listed.stdout).toMatch(/^DATA\tTABLE DATA\tpublic\tbills\t\S+\t[1-9]\d*$/m)
  })

  it('a passphrase from PGKEEP_ENCRYPTION_PASSPHRASE; restore with it, and a wrong one fails without being echoed', async () => {
    const store = join(dir, 'store-passphrase')
    const env = { PGKEEP_ENCRYPTION_PASSPHRASE: 'kost-backup-passphrase' }
    const backup = await run(['backup', source.url, '--dir', store, '--json'], { env })
    expect(backup.code, backup.stderr).toBe(0)
    const record = JSON.parse(backup.stdout) as { id: string; storagePath: string }
    expect(record.storagePath).toMatch(/\.sql\.gz\.age$/)
    // --list of a passphrase backup: decrypted with the passphrase; without it, the hint's age command asks for the passphrase (it named a key file)
    const list = await run(['restore', record.id, '--dir', store, '--list'], { env })
    expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: '' })
    expect(list.stdout).toMatch(/^DATA\tTABLE DATA\tpublic\tbills\t\S+\t[1-9]\d*$/m)
    const locked = await run(['restore', record.id, '--dir', store, '--list'])
    expect(locked.stderr).toBe(`pgkeep: error: backup ${record.id} is encrypted (a passphrase), and no passphrase was given to open it [OPTIONS_INVALID]\npgkeep: hint: set PGKEEP_DECRYPTION_PASSPHRASE to its passphrase and run it again: pgkeep restore ${record.id} --list\n`)

    const target = await createDatabase(server.url, { prefix: 'cli_rs_age' })
    try {
      const wrong = await run(['restore', record.id, target.url, '--dir', store], { env: { PGKEEP_DECRYPTION_PASSPHRASE: 'not-the-passphrase' } })
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toContain('[DECRYPTION_FAILED]')
      expect(wrong.stderr).not.toContain('not-the-passphrase')
      expect(await relations(target.url)).toEqual([])

      const restored = await run(['restore', record.id, target.url, '--dir', store], { env })
      expect(restored.stderr).toBe('')
      expect(restored.code).toBe(0)
      await assertSameDatabase(source.url, target.url)

      // Only --identity for a passphrase-encrypted backup: the message says what is missing, not that a passphrase was wrong.
      const keyFile = join(dir, 'identity-only.txt')
      expect((await run(['keygen', '-o', keyFile])).code).toBe(0)
      const identityOnly = await run(['restore', record.id, target.url, '--dir', store, '--identity', keyFile])
      expect(identityOnly.code).toBe(1)
      expect(identityOnly.stderr).toContain(`is encrypted with age (a passphrase) and no passphrase was given to open it (only an identity, which opens backups encrypted to recipients) [DECRYPTION_FAILED]`)
      expect(identityOnly.stderr).not.toContain('the passphrase given')
    } finally {
      await target.drop()
    }
    // the encrypted backup with -j 2: decrypted and read whole, the data spread over the workers
    const parallelTarget = await createDatabase(server.url, { prefix: 'cli_rs_age_j' })
    try {
      const parallel = await run(['restore', record.id, parallelTarget.url, '--dir', store, '-j', '2'], { env })
      expect({ code: parallel.code, stderr: parallel.stderr }).toEqual({ code: 0, stderr: '' })
      await assertSameDatabase(source.url, parallelTarget.url)
    } finally {
      await parallelTarget.drop()
    }

    const both = await run(['backup', source.url, '--dir', store, '--recipient', 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq'], { env })
    expect(both.code).toBe(1)
    expect(both.stderr).toContain('not both')
  })
})
