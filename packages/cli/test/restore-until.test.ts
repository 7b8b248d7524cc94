// `pgkeep restore <id> [target] --until …` on a base backup of the change archive (an embedded server with
// wal_level = logical; the chain is built by the core tests' helper): a time, a WAL position and xid:N
// restore the source as it was then; `pgkeep list` shows the window; unparsable values are usage errors
// (exit 2) naming the forms; a target outside the window fails naming it; --no-replay restores the base;
// `latest --until` takes the newest base backup whose window starts by then, past a newer plain backup.
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, withClient, withDatabase, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { fsStorage } from '@pgkeep/core'
import { startTestChain, type TestChain } from './archive-chain'
import { run } from './run'

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-cli-until-'))
chmodSync(workDir, 0o755)
const dir = join(workDir, 'backups')
let own: EmbeddedServer | null = null
let serverUrl: string
let src: TestDatabase
let chain: TestChain
const moments: { at: Date; lsn: string; rows: string }[] = []
let xidMoment: { xid: number; rows: string }

const rowsOf = async (url: string) => (await runSql<{ rows: string }>(url, "SELECT string_agg(a::text, '|' ORDER BY id) AS rows FROM accounts a"))[0]!.rows
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  const embedded = Object.values(pgServers).find((s) => s.major === pgDefault.major) ?? Object.values(pgServers)[0]
  if (embedded) serverUrl = embedded.url
  else {
    own = await startEmbeddedServer({ major: isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15, dataDir: join(workDir, 'pg') })
    serverUrl = own.url
  }
  src = await createDatabase(serverUrl, { prefix: 'cli_until_src' })
  await runSql(src.url, `
    CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
    INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g;
    CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
  chain = await startTestChain({ url: src.url, storage: fsStorage({ dir }), slot: `pgkeep_cli_until_${process.pid}`, publication: 'pgkeep_all' })
  let commits = 0
  for (let i = 1; i <= 12; i++) {
    await runSql(src.url, `BEGIN; UPDATE accounts SET balance = balance - ${i} WHERE id = ${1 + (i % 10)}; UPDATE accounts SET balance = balance + ${i} WHERE id = ${1 + ((i * 3) % 10)}; COMMIT;`)
    commits++
    if (i % 4 === 0) {
      await sleep(3)
      const [row] = await runSql<{ at: Date; lsn: string }>(src.url, 'SELECT clock_timestamp() AS at, pg_current_wal_insert_lsn()::text AS lsn')
      moments.push({ at: row!.at, lsn: row!.lsn, rows: await rowsOf(src.url) })
      await sleep(3)
    }
  }
  xidMoment = await withClient(src.url, async (client) => {
    await client.query('BEGIN')
    await client.query('UPDATE accounts SET balance = balance + 1 WHERE id = 1; UPDATE accounts SET balance = balance - 1 WHERE id = 2')
    const { rows } = await client.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid')
    await client.query('COMMIT')
    return { xid: Number(rows[0]!.xid), rows: '' }
  })
  commits++
  xidMoment.rows = await rowsOf(src.url)
  await runSql(src.url, 'UPDATE accounts SET balance = balance + 0 WHERE id = 3')
  commits++
  await chain.waitFor(commits)
  await chain.stop()
}, 180_000)

afterAll(async () => {
  await chain?.stop().catch(() => {})
  await src?.drop()
  await own?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

describe('pgkeep restore <id> --until', () => {
  it('restores to a time, a WAL position and xid:N; prints what it replayed', async () => {
    const cases: [string, string, string][] = [
      ['time', moments[1]!.at.toISOString(), moments[1]!.rows],
      ['lsn', moments[0]!.lsn, moments[0]!.rows],
      ['xid', `xid:${xidMoment.xid}`, xidMoment.rows],
    ]
    for (const [what, until, rows] of cases) {
      const name = `cli_until_${what}_${process.pid}`
      try {
        const done = await run(['restore', chain.record.id, serverUrl, '-C', name, '--until', until, '--dir', dir, '-q'])
        expect(done.stderr, what).toBe('')
        expect(done.code, what).toBe(0)
        expect(done.stdout).toMatch(/^restored \d+ entries .*\nreplayed \d+ archived transactions \(\d+ rows, \d+ segments\), the last committed at \S+Z \([0-9A-F]+\/[0-9A-F]+\)/)
        expect(await rowsOf(withDatabase(serverUrl, name)), what).toBe(rows)
      } finally {
        await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
      }
    }
  })

  it('--json reports the replay; --no-replay restores the base alone', async () => {
    const name = `cli_until_json_${process.pid}`
    try {
      const done = await run(['restore', chain.record.id, serverUrl, '-C', name, '--dir', dir, '--json', '-q'])
      expect(done.code, done.stderr).toBe(0)
      const summary = JSON.parse(done.stdout) as { replay: { target: null; transactions: number } }
      expect(summary.replay).toMatchObject({ target: null, transactions: 14 })
      expect(await rowsOf(withDatabase(serverUrl, name))).toBe(await rowsOf(src.url))
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }
    try {
      const base = await run(['restore', chain.record.id, serverUrl, '-C', name, '--dir', dir, '--no-replay', '-q'])
      expect(base.code, base.stderr).toBe(0)
      expect(base.stdout).toContain('restored the base backup alone')
      expect(await rowsOf(withDatabase(serverUrl, name))).toBe(Array.from({ length: 10 }, (_, i) => `(${i + 1},100)`).join('|'))
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }
  })

  it('pgkeep list shows the recoverable window', async () => {
    const listed = await run(['list', '--dir', dir])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`^${chain.record.id} .*  recoverable \\S+Z to \\S+Z \\([0-9A-F]+/[0-9A-F]+, \\d+ segments\\)\\n$`))
  })

  it('refuses unparsable values (exit 2, naming the forms), --until on a file, and a point outside the window (naming it)', async () => {
    for (const bad of ['yesterday', '2026-13-45T99:00:00Z', 'xid:abc', '16/XYZ']) {
      const r = await run(['restore', chain.record.id, serverUrl, '-C', 'never_made', '--until', bad, '--dir', dir])
      expect(r.code, bad).toBe(2)
      expect(r.stderr, bad).toContain('an ISO time with a time zone')
    }
    const local = await run(['restore', chain.record.id, serverUrl, '--until', '2026-12-04T14:32:05', '--dir', dir])
    expect(local.code).toBe(2)
    expect(local.stderr).toContain('has no time zone')
    const zero = await run(['restore', chain.record.id, serverUrl, '--until', 'xid:0', '--dir', dir])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('a transaction id is a whole number from 3')
    const file = await run(['restore', join(workDir, 'some.sql'), serverUrl, '--until', moments[0]!.at.toISOString()])
    expect(file.code).toBe(2)
    expect(file.stderr).toContain('--until and --no-replay apply to a stored base backup')
    const late = await run(['restore', chain.record.id, serverUrl, '-C', 'never_made', '--until', '2099-01-01T00:00:00Z', '--dir', dir])
    expect(late.code).toBe(1)
    expect(late.stderr).toMatch(/after the newest archived commit: backup \S+ is recoverable from \S+Z to \S+Z .*\[OPTIONS_INVALID\]/)
    const [made] = await runSql<{ n: number }>(serverUrl, "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'never_made'")
    expect(made!.n).toBe(0)
  })

  it('latest with --until is the newest base backup whose window starts by then, passing over a newer plain backup', async () => {
    // a copy of the storage, so that the plain backup made here shows in no other case's listing
    const copy = join(workDir, 'backups-latest')
    cpSync(dir, copy, { recursive: true })
    const plain = await run(['backup', src.url, '--dir', copy, '--json'])
    expect(plain.code, plain.stderr).toBe(0)
    const plainId = (JSON.parse(plain.stdout) as { id: string }).id

    const listed = await run(['restore', 'latest', '--list', '--dir', copy])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stderr).toMatch(new RegExp(`^pgkeep: latest is ${plainId} `))

    const name = `cli_until_latest_${process.pid}`
    try {
      const done = await run(['restore', 'latest', serverUrl, '-C', name, '--until', moments[1]!.at.toISOString(), '--dir', copy, '-q'])
      expect(done.code, done.stderr).toBe(0)
      expect(done.stderr).toMatch(new RegExp(`^pgkeep: latest is ${chain.record.id} \\(\\S+Z, \\S+\\)\\n$`))
      expect(await rowsOf(withDatabase(serverUrl, name))).toBe(moments[1]!.rows)
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }

    const early = await run(['restore', 'latest', serverUrl, '-C', 'never_made', '--until', '2001-01-01T00:00:00Z', '--dir', copy])
    expect(early.code).toBe(1)
    expect(early.stderr).toContain('no backup for "latest" with --until 2001-01-01T00:00:00.000Z: the storage holds no base backup of the change archive whose window starts at or before it [BACKUP_NOT_FOUND]')
  })
})
