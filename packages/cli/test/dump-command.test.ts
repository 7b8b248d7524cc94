// `pgkeep dump` end to end through runCli: output to stdout and to files, exit codes, and errors that
// name the problem without leaking passwords or leaving partial files behind.
import { execFileSync } from 'node:child_process'
import { createReadStream, lstatSync } from 'node:fs'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { PgkeepError } from '@pgkeep/core/engine'
import { createDatabase, restoreWithPsql, runSql, type TestDatabase } from '@pgkeep/testkit'
import { gzipMemberCount } from '@pgkeep/testkit/gzip-members'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { outputReaderGone } from '../src/closed-reader'
import { runCli } from '../src/index'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli' })
  await runSql(db.url, `
    CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms VALUES (1, 'Mawar'), (2, 'Melati');
    CREATE TABLE tenants (id integer PRIMARY KEY, room integer REFERENCES rooms);`)
})
afterAll(() => db?.drop())

describe('pgkeep dump', () => {
  it('writes a plain SQL dump to stdout that psql restores', async () => {
    const result = await run(['dump', db.url])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^--\n-- PostgreSQL database dump\n--\n/)
    expect(result.stdout).toContain('COPY public.rooms (id, name) FROM stdin;\n1\tMawar\n2\tMelati\n\\.\n')
    const copy = await createDatabase(server.url, { prefix: 'cli_copy' })
    try {
      await restoreWithPsql(copy.url, result.stdout)
      expect(await runSql(copy.url, 'SELECT name FROM rooms ORDER BY id')).toEqual([{ name: 'Mawar' }, { name: 'Melati' }])
    } finally {
      await copy.drop()
    }
  })

  it('writes gzip when the file name ends in .gz, and nothing else in the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-'))
    const file = join(dir, 'backup.sql.gz')
    const result = await run(['dump', db.url, '-f', file, '-t', 'rooms'])
    expect(result.code).toBe(0)
    const text = gunzipSync(await readFile(file)).toString('utf8')
    expect(text).toContain('CREATE TABLE public.rooms')
    expect(text).not.toContain('CREATE TABLE public.tenants')
    expect(await readdir(dir)).toEqual(['backup.sql.gz'])
  })

  it('-j 2 with a .gz file: the same script as -j 1, its large table compressed as several gzip members', async () => {
    const big = await createDatabase(server.url, { prefix: 'cli_gz' })
    try {
      await runSql(big.url, `
        CREATE TABLE ledger (id integer PRIMARY KEY, note text);
        INSERT INTO ledger SELECT g, md5(g::text) || ' ' || md5((g * 7)::text) FROM generate_series(1, 60000) g;
        CREATE TABLE rooms (id integer PRIMARY KEY, name text);
        INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 500) g;`)
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-gz-'))
      const file = join(dir, 'big.sql.gz')
      const serial = await run(['dump', big.url, '-j', '1', '--restrict-key', 'k'])
      const parallel = await run(['dump', big.url, '-j', '2', '--restrict-key', 'k', '-f', file])
      expect(serial.code).toBe(0)
      expect(parallel.code, parallel.stderr).toBe(0)
      const gz = await readFile(file)
      expect(gunzipSync(gz).toString('utf8') === serial.stdout, 'the .gz file holds another script').toBe(true)
      // ~4 MB of ledger rows in 256 KiB blocks: the file is many members back to back.
      const members = gzipMemberCount(gz)
      expect(members).toBeGreaterThan(5)
      expect(await readdir(dir)).toEqual(['big.sql.gz'])
    } finally {
      await big.drop()
    }
  })

  it('fails with exit 1, names the pattern, and leaves no file when a table pattern matches nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-'))
    const result = await run(['dump', db.url, '-f', join(dir, 'x.sql'), '-t', 'no_such_table'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no matching tables were found for pattern "no_such_table"')
    expect(result.stderr).toContain('[PATTERN_NO_MATCH]')
    expect(await readdir(dir)).toEqual([])
  })

  it('-f naming a folder, or a file in a folder that is not there, fails at once, before connecting, naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-'))
    // a server that refuses connections: a check made after connecting would report that instead
    const refused = 'postgresql://postgres@127.0.0.1:1/none'
    const folder = await run(['dump', refused, '-f', dir])
    expect(folder.code).toBe(1)
    expect(folder.stderr).toBe(`pgkeep: error: ${dir} is a folder: name the file to write, for example ${dir}/kos.sql.gz [OPTIONS_INVALID]\n`)
    const missing = await run(['dump', refused, '-f', 'gone/kos.sql'], { cwd: dir })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`pgkeep: error: cannot write gone/kos.sql: the folder ${join(dir, 'gone')} does not exist [OUTPUT_FAILED]\n`)
    expect(await readdir(dir)).toEqual([])
  })

  it('-f a named pipe writes the dump into the pipe and leaves it a pipe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-'))
    const fifo = join(dir, 'dump.sql.gz')
    execFileSync('mkfifo', [fifo])
    const read = (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of createReadStream(fifo)) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    })()
    const result = await run(['dump', db.url, '-f', fifo, '-t', 'rooms'])
    expect(result.code).toBe(0)
    expect(gunzipSync(await read).toString('utf8')).toContain('COPY public.rooms (id, name) FROM stdin;\n1\tMawar\n2\tMelati\n\\.\n')
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(await readdir(dir)).toEqual(['dump.sql.gz'])
  })

  it('a reader that closes its end early (stdout, or a named pipe given to -f) ends the dump with 141 and nothing on stderr', async () => {
    // node's stdout to a closed pipe: the write fails with EPIPE and the stream emits it
    let writes = 0
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        writes++
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }))
      },
    })
    const stderr = new PassThrough()
    const err: Buffer[] = []
    stderr.on('data', (c: Buffer) => err.push(c))
    const code = await runCli(['dump', db.url], { stdout, stderr, env: {} })
    expect({ code, stderr: Buffer.concat(err).toString('utf8') }).toEqual({ code: 141, stderr: '' })
    expect(writes).toBeGreaterThan(0)

    // megabytes of rows, far more than the pipe holds once its reader has gone
    const big = await createDatabase(server.url, { prefix: 'cli_pipe' })
    try {
      await runSql(big.url, `CREATE TABLE ledger AS SELECT g AS id, md5(g::text) || md5((g * 3)::text) AS note FROM generate_series(1, 50000) g;`)
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-'))
      const fifo = join(dir, 'dump.sql')
      execFileSync('mkfifo', [fifo])
      // the reader takes the first chunk and closes
      const read = (async () => {
        for await (const chunk of createReadStream(fifo)) return chunk as Buffer
        return Buffer.alloc(0)
      })()
      const result = await run(['dump', big.url, '-f', fifo])
      expect((await read).toString('utf8')).toMatch(/^--\n-- PostgreSQL database dump\n/)
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 141, stderr: '' })
      expect(await readdir(dir)).toEqual(['dump.sql'])
    } finally {
      await big.drop()
    }
  })

  it('an output failure that is not a closed reader is still reported (exit 1)', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
    expect(outputReaderGone(new PgkeepError('OUTPUT_FAILED', 'unable to write the dump: write EPIPE', { cause: epipe }))).toBe(true)
    expect(outputReaderGone(new PgkeepError('OUTPUT_FAILED', 'x', { cause: new PgkeepError('OUTPUT_FAILED', 'y', { cause: epipe }) }))).toBe(true)
    expect(outputReaderGone(new PgkeepError('OUTPUT_FAILED', 'unable to write the dump: ENOSPC', { cause: Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }) }))).toBe(false)
    // the server's connection breaking is not the reader going away
    expect(outputReaderGone(new PgkeepError('COPY_FAILED', 'connection lost', { cause: epipe }))).toBe(false)
    expect(outputReaderGone(epipe)).toBe(false)
  })

  it('-j copies tables in worker sessions and writes the same dump; -j outside 1..16 is refused with exit 2', async () => {
    const one = await run(['dump', db.url, '-j', '1', '--restrict-key', 'k'])
    const three = await run(['dump', db.url, '--jobs', '3', '--restrict-key', 'k'])
    expect(one.code).toBe(0)
    expect(three.code).toBe(0)
    expect(three.stdout).toContain('COPY public.rooms (id, name) FROM stdin;\n1\tMawar\n2\tMelati\n\\.\n')
    expect(three.stdout).toBe(one.stdout)
    for (const bad of ['0', '17', 'x']) {
      const refused = await run(['dump', db.url, '-j', bad])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('-j, --jobs')
      const backup = await run(['backup', db.url, '--dir', tmpdir(), '-j', bad])
      expect(backup.code).toBe(2)
      expect(backup.stderr).toContain('-j, --jobs')
    }
  })

  it('rejects unknown flags and conflicting options with exit 2', async () => {
    const unknown = await run(['dump', db.url, '--no-such-flag'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'")
    const conflict = await run(['dump', db.url, '-s', '-a'])
    expect(conflict.code).toBe(1)
    expect(conflict.stderr).toContain('dataOnly: schemaOnly and dataOnly cannot be used together')
    const twice = await run(['dump', db.url, '-d', db.url])
    expect(twice.code).toBe(2)
  })

  it('reports a refused connection without the password', async () => {
    const result = await run(['dump', 'postgresql://someone:s3cr3t-pw@127.0.0.1:1/nowhere'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[CONNECT_FAILED]')
    expect(result.stderr).not.toContain('s3cr3t-pw')
  })

  it('takes the connection from PG* variables when none is given', async () => {
    const url = new URL(db.url)
    const result = await run(['dump', '-t', 'rooms', '--schema-only'], {
      env: { PGHOST: url.hostname, PGPORT: url.port || '5432', PGUSER: decodeURIComponent(url.username), PGDATABASE: db.name },
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('CREATE TABLE public.rooms')
  })

  it('prints help and version with exit 0', async () => {
    const help = await run(['dump', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--exclude-table-data <pattern>')
    const version = await run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
