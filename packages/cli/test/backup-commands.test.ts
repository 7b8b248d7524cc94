// `pgkeep backup`, `pgkeep list` and `pgkeep download` against a real database and folder (and S3: s3rver).
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createDatabase, runSql, s3Env, startS3Server, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_backup' })
  await runSql(db.url, `CREATE TABLE bills (id integer PRIMARY KEY, amount numeric NOT NULL);
    INSERT INTO bills SELECT g, g * 1000 FROM generate_series(1, 500) g;
    CREATE TABLE notes (id integer);`)
})
afterAll(() => db?.drop())

describe('pgkeep backup, list, download', () => {
  it('makes a backup in a folder, lists it and downloads it byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    const made = await run(['backup', db.url, '--dir', dir, '--name-prefix', 'kostman-backup', '--created-by', 'cron', '--type', 'scheduled', '--json'])
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    const record = JSON.parse(made.stdout)
    expect(record).toMatchObject({ type: 'scheduled', createdBy: 'cron', metadata: { recordCount: 500 } })
    expect(record.storagePath).toMatch(/^backups\/\d{4}\/kostman-backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz$/)
    const file = await readFile(join(dir, record.storagePath))
    expect(gunzipSync(file).toString('utf8')).toContain('COPY public.bills (id, amount) FROM stdin;\n1\t1000\n')

    const listed = await run(['list', '--dir', dir])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`^${record.id}  \\S+  scheduled\\s+${record.size}  unsigned  ${record.storagePath.replaceAll('.', '\\.')}\\n$`))

    const downloaded = await run(['download', record.id, '--dir', dir])
    expect(downloaded.code).toBe(0)
    expect(createHash('sha256').update(downloaded.out).digest('hex')).toBe(record.sha256)
    const target = join(dir, 'copy.sql.gz')
    expect((await run(['download', record.id, '--dir', dir, '-o', target])).code).toBe(0)
    expect(createHash('sha256').update(await readFile(target)).digest('hex')).toBe(record.sha256)
    // again over the file that is there: replaced whole, and no temporary file left beside it
    expect((await run(['download', record.id, '--dir', dir, '-o', target])).code).toBe(0)
    expect(createHash('sha256').update(await readFile(target)).digest('hex')).toBe(record.sha256)
    // a relative -o starts at the command's working folder
    expect((await run(['download', record.id, '--dir', dir, '-o', 'again.sql.gz'], { cwd: dir })).code).toBe(0)
    expect(createHash('sha256').update(await readFile(join(dir, 'again.sql.gz'))).digest('hex')).toBe(record.sha256)
    expect((await readdir(dir)).sort()).toEqual(['again.sql.gz', 'backups', 'copy.sql.gz'])
  })

  it('copies each backup into the PGKEEP_REPLICA_<n>_DIR folders, list shows the copies, replicate makes a missing one again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-rp-'))
    const mirror = await mkdtemp(join(tmpdir(), 'pgkeep-cli-rp-mirror-'))
    const env = { PGKEEP_REPLICA_1_DIR: mirror, PGKEEP_REPLICA_1_NAME: 'usb-disk' }
    const made = await run(['backup', db.url, '--dir', dir, '--json'], { env })
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout)
    expect(record.copies).toMatchObject([{ storage: 'usb-disk', status: 'ok' }])
    expect(createHash('sha256').update(await readFile(join(mirror, record.storagePath))).digest('hex')).toBe(record.sha256)
    expect((await run(['list', '--dir', dir], { env })).stdout).toMatch(new RegExp(`^${record.id} .*  copies: usb-disk ok\\n$`))

    await writeFile(join(mirror, record.storagePath), 'not the backup')
    const replicated = await run(['replicate', '--dir', dir], { env })
    expect(replicated.code, replicated.stderr).toBe(0)
    expect(replicated.stdout).toContain(`copied ${record.id} to usb-disk\n`)
    expect(replicated.stdout).toContain('1 backups: 1 copied, 0 in place, 0 failed\n')
    expect(createHash('sha256').update(await readFile(join(mirror, record.storagePath))).digest('hex')).toBe(record.sha256)
  })

  it('list skips a manifest that is not valid and says so on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    const made = await run(['backup', db.url, '--dir', dir, '-t', 'notes', '--json'])
    expect(made.code).toBe(0)
    const record = JSON.parse(made.stdout)
    const key = 'backups/2025/backup-2025-06-01-1748736000000.manifest.json'
    await mkdir(join(dir, 'backups', '2025'), { recursive: true })
    await writeFile(join(dir, key), '{"format":"something-else"}')
    const listed = await run(['list', '--dir', dir])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`^${record.id}  .*\\n$`))
    expect(listed.stderr).toMatch(new RegExp(`^pgkeep: warning: skipped ${key.replaceAll('.', '\\.')}: manifest ${key.replaceAll('.', '\\.')} is not a pgkeep backup manifest \\(format: .*\\)\\n$`))
  })

  it('uses PGKEEP_BACKUP_DIR and selective tables, and fails cleanly on a size limit and an unknown id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    const made = await run(['backup', db.url, '-t', 'notes'], { env: { PGKEEP_BACKUP_DIR: dir } })
    expect(made.code).toBe(0)
    expect(made.stdout).toMatch(/^[0-9a-f-]{36} fs:backups\/\d{4}\/backup-.*\.sql\.gz \d+ bytes, 0 rows, \d+ ms\n$/)

    const big = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    const limited = await run(['backup', db.url, '--dir', big, '--max-size', '100'])
    expect(limited.code).toBe(1)
    expect(limited.stderr).toContain('[SIZE_LIMIT_EXCEEDED]')
    // the hint names the command's flags beside the library's options
    expect(limited.stderr).toContain('pgkeep: hint: raise maxSizeBytes (pgkeep backup --max-size), or back up fewer tables (tables / excludeTableData; -t / --exclude-table-data)')
    // nothing but the audit trail of the refusal
    const left = (await readdir(big, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(big.length + 1))
    expect(left.filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
    expect(left.filter((f) => f.startsWith('backups/audit/'))).toHaveLength(1)

    const missing = await run(['download', '00000000-0000-4000-8000-000000000000', '--dir', dir])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('[BACKUP_NOT_FOUND]')
    const malformed = await run(['download', 'newest', '--dir', dir])
    expect(malformed.stderr).toContain('is not a uuid')
    // with -o: an unknown backup leaves no file (nor a temporary one), and a folder is refused before the lookup
    const before = (await readdir(dir)).sort()
    const missingToFile = await run(['download', '00000000-0000-4000-8000-000000000000', '--dir', dir, '-o', 'copy.sql.gz'], { cwd: dir })
    expect(missingToFile.stderr).toContain('[BACKUP_NOT_FOUND]')
    const toFolder = await run(['download', '00000000-0000-4000-8000-000000000000', '--dir', dir, '-o', dir])
    expect(toFolder.code).toBe(1)
    expect(toFolder.stderr).toContain(`pgkeep: error: ${dir} is a folder: name the file to write`)
    expect((await readdir(dir)).sort()).toEqual(before)
  })

  it('cleanup: --dry-run names what would go, then deletes it; the newest backup always stays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const made = await run(['backup', db.url, '--dir', dir, '-t', 'notes', '--json'])
      expect(made.code, made.stderr).toBe(0)
      ids.push(JSON.parse(made.stdout).id)
    }
    const files = async () => (await readdir(join(dir, 'backups'), { recursive: true })).filter((f) => /\.(sql\.gz|manifest\.json)$/.test(f)).length
    expect(await files()).toBe(6)

    // nothing is 30 days old yet
    const none = await run(['cleanup', db.url, '--dir', dir])
    expect(none.stdout).toBe('0 deleted, 3 kept\n')

    const dry = await run(['cleanup', db.url, '--dir', dir, '--days', '0', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    const planned = JSON.parse(dry.stdout)
    expect(planned).toMatchObject({ dryRun: true, busy: false, failed: [], policy: { maxAgeDays: 0 } })
    expect(planned.deleted.map((r: { id: string }) => r.id)).toEqual([ids[1], ids[0]])
    expect(planned.kept).toEqual([{ id: ids[2], reasons: ['newest'] }])
    expect(await files()).toBe(6)

    const done = await run(['cleanup', db.url, '--dir', dir, '--days', '0'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toBe(`deleted ${ids[1]}  ${planned.deleted[0].createdAt}  ${planned.deleted[0].storagePath}\ndeleted ${ids[0]}  ${planned.deleted[1].createdAt}  ${planned.deleted[1].storagePath}\n2 deleted, 1 kept\n`)
    expect(await files()).toBe(2)
    expect((await run(['list', '--dir', dir, '--json'])).stdout).toContain(ids[2])

    const bad = await run(['cleanup', '--dir', dir, '--days', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--days')
  })

  it('takes the database from PGKEEP_DATABASE_URL (or DATABASE_URL) and the caller from --actor; an argument wins over the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-env-'))
    const fromEnv = await run(['backup', '--json', '--actor', 'ops'], { env: { PGKEEP_BACKUP_DIR: dir, PGKEEP_DATABASE_URL: db.url } })
    expect(fromEnv.stderr).toBe('')
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ createdBy: 'ops', database: db.name, metadata: { recordCount: 500 } })
    const fallback = await run(['backup', '--json', '-t', 'public.notes'], { env: { PGKEEP_BACKUP_DIR: dir, DATABASE_URL: db.url } })
    expect(JSON.parse(fallback.stdout)).toMatchObject({ createdBy: null, database: db.name, metadata: { tables: ['public.notes'] } })
    // The argument names the database; the variable (here a server that is not there) is not used.
    const argument = await run(['backup', db.url, '--json', '-t', 'public.notes'], { env: { PGKEEP_BACKUP_DIR: dir, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none?connect_timeout=2' } })
    expect(argument.stderr).toBe('')
    expect(JSON.parse(argument.stdout)).toMatchObject({ database: db.name })
  })

  it('--dir naming a file is refused before the database is touched, with the path in the message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-dir-'))
    const file = join(dir, 'passwd')
    await writeFile(file, 'root:x:0:0\n')
    // nothing listens on port 1: an error after connecting would be CONNECT_FAILED
    const result = await run(['backup', 'postgresql://postgres@127.0.0.1:1/kost?connect_timeout=2', '--dir', file])
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `pgkeep: error: fsStorage: ${file} is a file, not a folder: name the folder backups go to [STORAGE_INVALID]\n`,
    })
    expect(await readFile(file, 'utf8')).toBe('root:x:0:0\n')
  })

  it('a backup folder that does not exist is refused by every command that reads it, and none of them makes it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'pgkeep-cli-nodir-'))
    const missing = join(parent, 'typo')
    const id = '00000000-0000-4000-8000-000000000000'
    const hint = 'pgkeep: hint: check the path and that its volume is mounted; pgkeep backup makes the folder on its first backup\n'
    for (const args of [['list'], ['cleanup', '--dry-run'], ['cleanup', db.url], ['download', id], ['verify', id, db.url], ['restore', id, db.url], ['restore', id, '--list'], ['diff', id, id], ['replicate']]) {
      const byFlag = await run([...args, '--dir', missing])
      expect({ args, code: byFlag.code, stdout: byFlag.stdout, stderr: byFlag.stderr }).toEqual({
        args, code: 1, stdout: '', stderr: `pgkeep: error: the backup folder ${missing} does not exist (--dir ${missing}) [STORAGE_NOT_FOUND]\n${hint}`,
      })
    }
    const byVariable = await run(['list'], { env: { PGKEEP_BACKUP_DIR: missing } })
    expect(byVariable.stderr).toBe(`pgkeep: error: the backup folder ${missing} does not exist (PGKEEP_BACKUP_DIR=${missing}) [STORAGE_NOT_FOUND]\n${hint}`)
    expect(await readdir(parent)).toEqual([])
    // a backup makes the folder; then it reads
    expect((await run(['backup', db.url, '--dir', missing, '-q'])).code).toBe(0)
    expect((await run(['list', '--dir', missing])).stdout).toMatch(/^[0-9a-f-]{36} /)
  })

  it('an S3 bucket that does not exist is refused by every command that reads it, as a folder is, and none of them makes it', async () => {
    // before, `pgkeep list` of a misspelt bucket answered an empty list with status 0
    const s3 = await startS3Server({ recordRequests: true })
    try {
      const bucket = `cli-typo-${randomBytes(4).toString('hex')}`
      const env = s3Env(s3, bucket)
      const bucketMade = async () => (await s3.requests()).some((r) => r.method === 'PUT' && r.path === `/${bucket}` && r.status === 200)
      const id = '00000000-0000-4000-8000-000000000000'
      const said = `pgkeep: error: the bucket "${bucket}" does not exist at 127.0.0.1:${s3.port} (PGKEEP_S3_BUCKET=${bucket}) [STORAGE_NOT_FOUND]\n`
        + 'pgkeep: hint: check PGKEEP_S3_BUCKET and PGKEEP_S3_ENDPOINT; pgkeep backup makes the bucket on its first backup\n'
      for (const args of [['list'], ['cleanup', '--dry-run'], ['cleanup', db.url], ['download', id], ['verify', id, db.url], ['restore', id, db.url], ['restore', id, '--list'], ['diff', id, id], ['replicate']]) {
        const result = await run(args, { env })
        expect({ args, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ args, code: 1, stdout: '', stderr: said })
      }
      expect(await bucketMade()).toBe(false)
      // a backup makes the bucket; then it reads
      expect((await run(['backup', db.url, '-q'], { env })).code).toBe(0)
      expect(await bucketMade()).toBe(true)
      expect((await run(['list'], { env })).stdout).toMatch(/^[0-9a-f-]{36} /)
    } finally {
      await s3.stop()
    }
  })

  it('refuses half-configured S3 settings with a clear error', async () => {
    const result = await run(['backup', db.url], { env: { PGKEEP_S3_BUCKET: 'kost', PGKEEP_S3_SECRET_KEY: 'very-secret-key' } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('PGKEEP_S3_ENDPOINT, PGKEEP_S3_ACCESS_KEY are not')
    expect(result.stderr).not.toContain('very-secret-key')
  })

  it('never prints a password from DATABASE_URL or PGKEEP_DATABASE_URL, in text or JSON errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-bk-'))
    for (const name of ['DATABASE_URL', 'PGKEEP_DATABASE_URL']) {
      for (const json of [[], ['--json']]) {
        const failed = await run(['backup', '--dir', dir, ...json], { env: { [name]: 'postgresql://kost:Rahasia-9x7@127.0.0.1:1/kost?connect_timeout=2' } })
        expect(failed.code).toBe(1)
        expect(failed.stderr).toContain('CONNECT_FAILED')
        expect(failed.stderr).not.toContain('Rahasia-9x7')
      }
    }
  })
})
