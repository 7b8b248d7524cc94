// The built `pgkeep` command in its own process, where terminals and signals are real: the progress
// bar in a pseudo-terminal (script(1)), plain output elsewhere, errors as JSON with --json, Ctrl-C
// (SIGINT) during a backup, and `pgkeep schedule` stopped by SIGTERM (the running backup finishes)
// and by SIGINT (it is aborted, nothing half written stays).
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { files, run, start, until, writingDump } from './process'

const server = inject('pgDefault')
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
let small: TestDatabase
let big: TestDatabase

beforeAll(async () => {
  assertBuilt('core', 'cli')
  small = await createDatabase(server.url, { prefix: 'cli_proc' })
  await runSql(small.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text);
    INSERT INTO rooms SELECT g, repeat('kamar ', 20) || g FROM generate_series(1, 20000) g;
    CREATE TABLE bills (id integer PRIMARY KEY, note text);
    INSERT INTO bills SELECT g, repeat('tagihan ', 20) || g FROM generate_series(1, 20000) g;`)
  // big enough that a backup takes a few seconds: time to send a signal in the middle of it
  big = await createDatabase(server.url, { prefix: 'cli_proc_big' })
  await runSql(big.url, `CREATE TABLE payments AS SELECT g AS id, repeat(md5(g::text), 8) AS note FROM generate_series(1, 600000) g;`)
}, 120_000)
afterAll(async () => {
  await small?.drop()
  await big?.drop()
})

describe('the pgkeep process', () => {
  it('draws a progress bar on a terminal, redrawn in place, and clears it before the result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-tty-'))
    // script(1) gives the command a pseudo-terminal; its output is what the terminal showed
    const shell = `${process.execPath} ${bin} backup '${small.url}' --dir ${dir}; echo "exit=$?"`
    const result = await run('script', ['-qefc', shell, '/dev/null'], { COLUMNS: '120' })
    const screen = result.stdout
    expect(screen).toMatch(/exit=0/)
    const frames = screen.split('\r\x1b[K').slice(1)
    expect(frames.length).toBeGreaterThan(1)
    expect(frames.some((f) => /^pgkeep \[[#-]+\] +\d+%  [\d.]+ [kM]?B \/ [\d.]+ [kM]?B .*public\.(rooms|bills)/.test(f))).toBe(true)
    // the last frame is the cleared line, followed by the record
    expect(frames.at(-1)).toMatch(/^[0-9a-f-]{36} fs:backups\/\S+\.sql\.gz \d+ bytes, 40000 rows, \d+ ms\r?\n/)
  })

  it('prints no progress when stderr is not a terminal and the run is short, and nothing with --quiet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-tty-'))
    const plain = await run(process.execPath, [bin, 'backup', small.url, '--dir', dir])
    expect(plain.code).toBe(0)
    expect(plain.stderr).toBe('')
    const quiet = await run('script', ['-qefc', `${process.execPath} ${bin} backup '${small.url}' --dir ${dir} --quiet`, '/dev/null'])
    expect(quiet.stdout).not.toContain('\x1b[K')
    expect(quiet.stdout).toMatch(/^[0-9a-f-]{36} fs:/)
  })

  it('--json: the result on stdout as JSON, and a failure as JSON on stderr with its code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-json-'))
    const missing = await run(process.execPath, [bin, 'verify', '00000000-0000-4000-8000-000000000000', small.url, '--dir', dir, '--json'])
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stderr)).toEqual({ error: { code: 'BACKUP_NOT_FOUND', message: expect.stringContaining('00000000-0000-4000-8000-000000000000') } })
    const file = join(dir, 'small.sql.gz')
    const dumped = await run(process.execPath, [bin, 'dump', small.url, '-f', file, '--json'])
    expect(JSON.parse(dumped.stdout)).toMatchObject({ file, tables: 2, rows: 40000, warnings: [] })
    const restoredInto = await createDatabase(server.url, { prefix: 'cli_proc_json' })
    try {
      const restored = await run(process.execPath, [bin, 'restore', file, restoredInto.url, '--json'])
      expect(restored.code).toBe(0)
      expect(JSON.parse(restored.stdout)).toMatchObject({ database: restoredInto.name, tables: expect.any(Array) })
    } finally {
      await restoredInto.drop()
    }
  })

  it('pgkeep dump | head: once the reader closes the pipe, exit 141 with nothing on stderr (as pg_dump dies of SIGPIPE)', async () => {
    // a real shell pipe (node's own child stdio is a socket, which /dev/stdout cannot be opened on)
    for (const flags of ['', '-j 2 -f /dev/stdout']) {
      const script = `"$NODE" "$BIN" dump "$URL" ${flags} 2>"$ERR" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR"`
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-pipe-'))
      const result = await run('bash', ['-c', script], { NODE: process.execPath, BIN: bin, URL: small.url, ERR: join(dir, 'stderr') })
      // the dump is megabytes: head has long gone when it writes the rest
      expect({ flags, stdout: result.stdout }).toEqual({ flags, stdout: '141\n' })
    }
  })

  it('pgkeep list, cleanup --dry-run and restore --list into a reader that is already gone: 141, nothing on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-pipe-'))
    expect((await run(process.execPath, [bin, 'backup', small.url, '--dir', dir, '-q'])).code).toBe(0)
    const file = join(dir, 'small.sql')
    expect((await run(process.execPath, [bin, 'dump', small.url, '-f', file])).code).toBe(0)
    // `true` exits without reading, long before node has started: every write of the command meets a closed pipe
    for (const args of [`list --dir "$DIR"`, `cleanup --dir "$DIR" --days 0 --dry-run`, `restore "$DIR/small.sql" --list`]) {
      const script = `"$NODE" "$BIN" ${args} 2>"$DIR/stderr" | true; echo "\${PIPESTATUS[0]}"; cat "$DIR/stderr"`
      const result = await run('bash', ['-c', script], { NODE: process.execPath, BIN: bin, DIR: dir })
      expect({ args, stdout: result.stdout }).toEqual({ args, stdout: '141\n' })
    }
  })

  it('SIGINT during a backup: exit 130, said on stderr, and nothing but the audit trail in storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-int-'))
    const child = start(process.execPath, [bin, 'backup', big.url, '--dir', dir])
    await until(async () => writingDump(dir))
    child.process.kill('SIGINT')
    const result = await child.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('pgkeep: interrupted by SIGINT; nothing half written was kept')
    expect((await files(dir)).filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
  })

  it('pgkeep schedule: SIGTERM lets the running backup finish and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sched-'))
    const child = start(process.execPath, [bin, 'schedule', big.url, '--dir', dir, '--backup', '* * * * * *', '--cleanup', 'off', '--json'])
    await until(async () => child.stdout().includes('"backup-start"'))
    child.process.kill('SIGTERM')
    const result = await child.done
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l))
    const names = events.map((e) => e.event)
    expect(names.indexOf('stopping')).toBeLessThan(names.indexOf('backup-success'))
    expect(names.at(-1)).toBe('stopped')
    const stored = events.find((e) => e.event === 'backup-success')
    expect(stored.rows).toBe(600000)
    // the backup is complete: its dump and manifest are there
    const kept = await files(dir)
    expect(kept).toContain(stored.storagePath)
    expect(kept).toContain(stored.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
  })

  it('pgkeep schedule --recipient encrypts its backups as pgkeep backup does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sched-age-'))
    const made = await run(process.execPath, [bin, 'keygen', '-o', join(dir, 'key.txt')])
    expect(made.code, made.stderr).toBe(0)
    const recipient = made.stdout.trim()
    const child = start(process.execPath, [bin, 'schedule', small.url, '--dir', dir, '--backup', '* * * * * *', '--cleanup', 'off', '--recipient', recipient, '--json'])
    await until(async () => child.stdout().includes('"backup-success"'))
    child.process.kill('SIGTERM')
    const result = await child.done
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l))
    // the database was looked at once as the schedule started
    expect(events.find((e) => e.event === 'database-ok')).toMatchObject({ database: expect.stringMatching(/^postgres@127\.0\.0\.1:\d+\/cli_proc/) })
    const stored = events.find((e) => e.event === 'backup-success')
    expect(stored.storagePath).toMatch(/\.sql\.gz\.age$/)
    expect((await readFile(join(dir, stored.storagePath))).subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1')
  })

  it('pgkeep schedule says at start that its database does not answer, keeps running, and stops on SIGTERM', async () => {
    // found only at the first backup before, which may be hours after the start
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sched-down-'))
    const down = new URL(small.url)
    down.port = '1'
    const child = start(process.execPath, [bin, 'schedule', down.toString(), '--dir', dir, '--backup', '0 2 * * *', '--cleanup', 'off'])
    await until(async () => child.stdout().includes('database check failed'))
    // still running: the server may come up before the first backup
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(child.process.exitCode).toBe(null)
    child.process.kill('SIGTERM')
    const result = await child.done
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
    const lines = result.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, ''))
    expect(lines[0]).toMatch(/^schedule started /)
    expect(lines[1]).toMatch(/^database check failed: unable to connect to postgres@127\.0\.0\.1:1\/cli_proc\w+: connection refused \[CONNECT_FAILED\]; the schedule keeps running and connects again at each backup$/)
    expect(lines.slice(2)).toEqual(['SIGTERM: stopping', 'schedule stopped'])
  })

  it('pgkeep schedule: SIGINT aborts the running backup, exits 130, and leaves no dump behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-sched-'))
    const child = start(process.execPath, [bin, 'schedule', big.url, '--dir', dir, '--backup', '* * * * * *', '--cleanup', 'off'])
    await until(async () => writingDump(dir))
    child.process.kill('SIGINT')
    const result = await child.done
    expect(result.code).toBe(130)
    expect(result.stdout).toMatch(/SIGINT: aborting backup [0-9a-f-]{36}\n/)
    expect(result.stdout).toMatch(/backup failed: .*\[ABORTED\]\n/)
    expect(result.stdout).toMatch(/schedule stopped\n$/)
    expect((await files(dir)).filter((f) => /\.(sql\.gz|partial|manifest\.json)$/.test(f))).toEqual([])
  })
})
