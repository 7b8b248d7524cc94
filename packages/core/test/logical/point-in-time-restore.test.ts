// Point-in-time restore through the manager: a ledger (transfers between accounts that keep the total,
// new and closed accounts, renamed owners, deleted transfers, a trigger writing an audit row per transfer,
// a side table without a key that is truncated once) runs while the base backup is dumped and after it; at
// several moments, with no other writer, the source's rows are hashed. restore(id, { until }) to each moment
// (a time, a WAL position, a transaction id) gives those rows back, with the total intact; without until
// it gives the source. Targets outside the window, a backup outside an archive and damaged segments are
// refused before anything is applied.
import { cpSync, chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareDatabases, createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, withClient, withDatabase, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createBackupManager, type BackupManager } from '../../src/manager'
import { chainPrefixOf } from '../../src/logical/chain'
import { fsStorage } from '../../src/storage/fs-storage'
import { startTestChain, type TestChain } from './archive-chain'

const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const own: EmbeddedServer[] = []
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-pitr-'))
chmodSync(workDir, 0o755)

async function logicalServers(): Promise<{ url: string; major: number }[]> {
  const servers = Object.values(pgServers) // embedded, started with wal_level = logical
  if (!servers.some((s) => s.major === pgDefault.major) && isEmbeddedMajor(pgDefault.major)) {
    const server = await startEmbeddedServer({ major: pgDefault.major, dataDir: join(workDir, `pg${pgDefault.major}`) })
    own.push(server)
    servers.push({ url: server.url, major: server.major })
  }
  return servers
}
const servers = await logicalServers()

afterAll(async () => {
  for (const server of own) await server.stop()
  rmSync(workDir, { recursive: true, force: true })
})

const ACCOUNTS = 30
const TOTAL = ACCOUNTS * 1000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const HASHES = `
  (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), '')) FROM accounts a) AS accounts,
  (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM transfers t) AS transfers,
  (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM audit u) AS audit,
  (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s::text), '')) FROM scratch s) AS scratch,
  (SELECT count(*)::int FROM transfers) AS transfer_rows,
  (SELECT sum(balance)::bigint::text FROM accounts) AS total`

interface Moment {
  label: string
  at: Date
  lsn: string
  xid?: number
  state: Record<string, unknown>
}

async function stateOf(url: string): Promise<Record<string, unknown>> {
  const [row] = await runSql<Record<string, unknown>>(url, `SELECT ${HASHES}`)
  return row!
}

describe.each(servers)('point-in-time restore on PostgreSQL $major', ({ url: serverUrl, major }) => {
  let src: TestDatabase
  let chain: TestChain
  let backups: BackupManager
  const dir = join(workDir, `store-${major}`)
  const storage = fsStorage({ dir })
  const moments: Moment[] = []
  let commits = 0
  let step = 0
  const opened: number[] = []

  /** One ledger transaction (kinds rotate with the step); a transfer's trigger writes its audit row. */
  const work = async (url: string) => {
    const i = ++step
    let sql: string
    if (i % 11 === 5) {
      sql = `INSERT INTO accounts VALUES (${1000 + i}, 'opened ${i}', 0)`
      opened.push(1000 + i)
    } else if (i % 11 === 9 && opened.length > 0) {
      sql = `DELETE FROM accounts WHERE id = ${opened.shift()!}`
    } else if (i % 7 === 3) {
      sql = `UPDATE accounts SET owner = owner || ' *' WHERE id = ${1 + (i % ACCOUNTS)}`
    } else if (i % 13 === 6) {
      sql = 'DELETE FROM transfers WHERE id = (SELECT min(id) FROM transfers)'
    } else {
      const from = 1 + ((i * 7) % ACCOUNTS)
      const to = 1 + ((i * 11 + 3) % ACCOUNTS)
      const amount = 1 + (i % 40)
      sql = `UPDATE accounts SET balance = balance - ${amount} WHERE id = ${from};
             UPDATE accounts SET balance = balance + ${amount} WHERE id = ${to};
             INSERT INTO transfers (from_id, to_id, amount, memo) VALUES (${from}, ${to}, ${amount}, ${i % 4 === 0 ? 'NULL' : `'step ${i}'`})`
    }
    if (i % 3 === 0) sql += `; INSERT INTO scratch VALUES (${i % 5}, 'note ${i}')`
    await runSql(url, `BEGIN; ${sql}; COMMIT;`)
    commits++
  }
  /** The source's rows now, with the time and WAL position: no other writer runs, and commits are 3 ms apart from it. */
  const capture = async (url: string, label: string, xid?: number) => {
    await sleep(3)
    const [row] = await runSql<{ at: Date; lsn: string }>(url, 'SELECT clock_timestamp() AS at, pg_current_wal_insert_lsn()::text AS lsn')
    moments.push({ label, at: row!.at, lsn: row!.lsn, ...(xid !== undefined ? { xid } : {}), state: await stateOf(url) })
    await sleep(3)
  }

  beforeAll(async () => {
    src = await createDatabase(serverUrl, { prefix: 'pitr_src' })
    await runSql(src.url, `
      CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL);
      CREATE TABLE transfers (id bigserial PRIMARY KEY, from_id integer NOT NULL REFERENCES accounts, to_id integer NOT NULL REFERENCES accounts,
                              amount integer NOT NULL CHECK (amount > 0), memo text);
      CREATE TABLE audit (id bigserial PRIMARY KEY, transfer_id bigint NOT NULL, noted text NOT NULL);
      CREATE FUNCTION note_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO audit (transfer_id, noted) VALUES (NEW.id, 'moved ' || NEW.amount); RETURN NEW; END $$;
      CREATE TRIGGER transfers_audit AFTER INSERT ON transfers FOR EACH ROW EXECUTE FUNCTION note_transfer();
      CREATE TABLE scratch (k integer, v text);
      ALTER TABLE scratch REPLICA IDENTITY FULL;
      INSERT INTO accounts SELECT g, 'owner ' || g, 1000 FROM generate_series(1, ${ACCOUNTS}) g;
      CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
    for (let n = 0; n < 10; n++) await work(src.url)

    // the ledger keeps writing while the base backup is dumped in the slot's snapshot
    chain = await startTestChain({
      url: src.url, storage, slot: `pgkeep_pitr_${major}_${process.pid}`, publication: 'pgkeep_all',
      during: async () => {
        for (let n = 0; n < 15; n++) await work(src.url)
        await capture(src.url, 'during the base backup')
        for (let n = 0; n < 15; n++) await work(src.url)
      },
    })
    await capture(src.url, 'right after the base backup')
    for (let n = 0; n < 20; n++) await work(src.url)
    await capture(src.url, 'after 20 more')
    await runSql(src.url, 'TRUNCATE scratch')
    commits++
    await capture(src.url, 'after the truncate')
    for (let n = 0; n < 15; n++) await work(src.url)
    const xid = await withClient(src.url, async (client) => {
      await client.query('BEGIN')
      await client.query('UPDATE accounts SET balance = balance - 7 WHERE id = 1')
      await client.query('UPDATE accounts SET balance = balance + 7 WHERE id = 2')
      const { rows } = await client.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid')
      await client.query('COMMIT')
      return Number(rows[0]!.xid)
    })
    commits++
    await capture(src.url, 'at a transaction id', xid)
    for (let n = 0; n < 12; n++) await work(src.url)
    await capture(src.url, 'near the end')
    // a time is recoverable up to the newest archived commit: the last moment has commits after it
    for (let n = 0; n < 3; n++) await work(src.url)
    backups = createBackupManager({ connectionString: src.url, storage })
  }, 240_000)

  afterAll(async () => {
    await chain?.stop().catch(() => {})
    await src?.drop()
  })

  const restoreInto = async (until: Date | { lsn: string } | { xid: number } | undefined, check: (url: string, summary: Awaited<ReturnType<BackupManager['restore']>>) => Promise<void>) => {
    const name = `pitr_copy_${major}_${process.pid}_${Math.floor(Math.random() * 1e9)}`
    try {
      const summary = await backups.restore(chain.record.id, { target: serverUrl, createDatabase: name, ...(until !== undefined ? { until } : {}) })
      await check(withDatabase(serverUrl, name), summary)
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }
  }

  it('restored to each recorded time, the ledger is the source as it was then, with the total intact; a WAL position and a transaction id too', async () => {
    await chain.waitFor(commits - 10)
    const record = await backups.get(chain.record.id)
    expect(record.recoverable).toMatchObject({ until: expect.any(Date), untilLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) })
    expect(record.recoverable!.segments).toBeGreaterThan(10)
    expect(record.recoverable!.until!.getTime()).toBeGreaterThanOrEqual(moments.at(-2)!.at.getTime())
    expect(new Set(moments.map((m) => JSON.stringify(m.state))).size).toBe(moments.length)

    for (const moment of moments) {
      expect(moment.state.total, moment.label).toBe(String(TOTAL))
      await restoreInto(moment.at, async (url, summary) => {
        expect(await stateOf(url), moment.label).toEqual(moment.state)
        expect(summary.replay).toMatchObject({ target: { time: moment.at.toISOString() } })
        expect(new Date(summary.replay!.lastCommitAt!).getTime()).toBeLessThanOrEqual(moment.at.getTime())
      })
    }
    const atLsn = moments[2]!
    await restoreInto({ lsn: atLsn.lsn }, async (url, summary) => {
      expect(await stateOf(url)).toEqual(atLsn.state)
      expect(summary.replay!.target).toEqual({ lsn: atLsn.lsn })
    })
    const atXid = moments.find((m) => m.xid !== undefined)!
    await restoreInto({ xid: atXid.xid! }, async (url, summary) => {
      expect(await stateOf(url)).toEqual(atXid.state)
      expect(summary.replay!.target).toEqual({ xid: atXid.xid })
    })
  }, 300_000)

  it('without until, everything archived is replayed: the copy is the source, its sequences included; replay: false restores the base alone', async () => {
    await chain.waitFor(commits - 10)
    const end = await stateOf(src.url)
    await restoreInto(undefined, async (url, summary) => {
      const diff = await compareDatabases(src.url, url)
      expect(diff.differences).toEqual([])
      expect(summary.replay).toMatchObject({ target: null, transactions: commits - 10, lastCommitAt: expect.any(String) })
      expect(summary.replay!.sequences).toBeGreaterThan(0)
      expect(await stateOf(url)).toEqual(end)
      // the trigger did not fire again on replay: one audit row per transfer ever inserted
      const [counts] = await runSql<{ audit: number; ids: number }>(url, 'SELECT (SELECT count(*)::int FROM audit) AS audit, (SELECT last_value::int FROM transfers_id_seq) AS ids')
      expect(counts!.audit).toBe(counts!.ids)
      // and the next transfer takes a fresh id
      await runSql(url, "INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 1)")
    })
    const name = `pitr_base_${major}_${process.pid}`
    try {
      const summary = await backups.restore(chain.record.id, { target: serverUrl, createDatabase: name, replay: false })
      expect(summary.replay).toBeNull()
      const [row] = await runSql<{ n: number }>(withDatabase(serverUrl, name), 'SELECT count(*)::int AS n FROM transfers')
      expect(row!.n).toBeLessThan(end.transfer_rows as number)
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }
  }, 180_000)

  it('a target outside the recoverable window, or on a backup outside a change archive, is refused naming the window; nothing is created', async () => {
    await chain.waitFor(commits - 10)
    const record = await backups.get(chain.record.id)
    const name = `pitr_never_${major}_${process.pid}`
    const refused = async (until: Date | { lsn: string } | { xid: number }, id = chain.record.id, manager = backups) => {
      const error = await manager.restore(id, { target: serverUrl, createDatabase: name, until }).then(() => null, (e: unknown) => e)
      const [left] = await runSql<{ n: number }>(serverUrl, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`)
      expect(left!.n).toBe(0)
      return error as { code: string; message: string }
    }
    const before = await refused(new Date(record.recoverable!.from.getTime() - 60_000))
    expect(before).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('before the base backup') })
    expect(before.message).toContain(`recoverable from ${record.recoverable!.from.toISOString()} to ${record.recoverable!.until!.toISOString()}`)
    const after = await refused(new Date(record.recoverable!.until!.getTime() + 60_000))
    expect(after).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('after the newest archived commit') })
    expect(await refused({ lsn: '0/10' })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('recoverable from') })
    expect(await refused({ lsn: 'FFFFFFFF/0' })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('after the newest archived commit') })
    expect(await refused({ xid: 4_000_000_000 })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('transaction 4000000000 is not in the change archive') })
    expect(await refused({ lsn: 'not-an-lsn' })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('until') })

    // a role that cannot set session_replication_role is refused before anything is created
    const role = `pgkeep_pitr_norole_${process.pid}`
    await runSql(serverUrl, `CREATE ROLE ${role} LOGIN CREATEDB`)
    try {
      const asRole = serverUrl.replace('//postgres@', `//${role}@`)
      const error = await backups.restore(chain.record.id, { target: asRole, createDatabase: name, until: moments[0]!.at }).then(() => null, (e: unknown) => e)
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('session_replication_role'), hint: expect.stringContaining('GRANT SET ON PARAMETER session_replication_role') })
      const [left] = await runSql<{ n: number }>(serverUrl, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`)
      expect(left!.n).toBe(0)
    } finally {
      await runSql(serverUrl, `DROP ROLE IF EXISTS ${role}`)
    }

    const plainManager = createBackupManager({ connectionString: src.url, storage })
    const plain = await plainManager.create()
    expect(plain.recoverable).toBeUndefined()
    expect(await refused(moments.at(-1)!.at, plain.id, plainManager)).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('not part of a change archive') })
  }, 120_000)

  it('a corrupt or missing segment in the range is refused (BACKUP_CORRUPT naming it) before the target is touched; a later one does not matter to an earlier target', async () => {
    await chain.waitFor(commits - 10)
    // a copy of the storage to damage
    const damagedDir = join(workDir, `damaged-${major}`)
    cpSync(dir, damagedDir, { recursive: true })
    const damaged = createBackupManager({ connectionString: src.url, storage: fsStorage({ dir: damagedDir }) })
    const chainDir = join(damagedDir, chainPrefixOf(chain.record.storagePath))
    const data = readdirSync(chainDir).filter((f) => f.endsWith('.changes.gz')).sort()
    const middle = data[Math.floor(data.length / 2)]!
    const name = `pitr_damaged_${major}_${process.pid}`
    const attempt = async (until?: Date) => {
      const error = await damaged.restore(chain.record.id, { target: serverUrl, createDatabase: name, ...(until ? { until } : {}) }).then(() => null, (e: unknown) => e)
      const [left] = await runSql<{ n: number }>(serverUrl, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`)
      expect(left!.n).toBe(0)
      return error
    }
    try {
      writeFileSync(join(chainDir, middle), Buffer.from('not the archived bytes'))
      expect(await attempt()).toMatchObject({ code: 'BACKUP_CORRUPT', message: expect.stringContaining(middle) })
      unlinkSync(join(chainDir, middle))
      expect(await attempt(moments.at(-1)!.at)).toMatchObject({ code: 'BACKUP_CORRUPT', message: expect.stringContaining(`${middle} is missing`) })
      // the whole segment gone (data and manifest): the next one names the end it follows, which nothing has
      unlinkSync(join(chainDir, middle.replace(/\.changes\.gz$/, '.segment.json')))
      expect(await attempt(moments.at(-1)!.at)).toMatchObject({ code: 'BACKUP_CORRUPT', message: expect.stringMatching(/a segment between them is missing/) })
      // a target before the damaged segment replays what it needs, all of it sound
      const early = moments[0]!
      const summary = await damaged.restore(chain.record.id, { target: serverUrl, createDatabase: name, until: early.at })
      expect(await stateOf(withDatabase(serverUrl, name))).toEqual(early.state)
      expect(summary.replay!.segments).toBeLessThan(data.length / 2)
    } finally {
      await runSql(serverUrl, `DROP DATABASE IF EXISTS "${name}"`)
    }
  }, 180_000)
})
