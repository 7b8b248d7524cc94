// Consistency: while other sessions keep moving money between two tables, a dump still restores to
// one point in time, so the total across both tables is the same in the copy.
import { createDatabase, restoreWithPsql, runSql, withClient } from '@pgkeep/testkit'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { dumpToFile } from './helpers/dump-to-file'

const server = inject('pgDefault')
const ACCOUNTS = 100_000
const TOTAL = ACCOUNTS * 1000 * 2

// jobs 2 and 4 copy the two tables in worker sessions that import the leader's snapshot.
describe.each([1, 2, 4])('with jobs %i', (jobs) => {
  it('a dump taken during concurrent transfers restores a constant total', async () => {
    const source = await createDatabase(server.url, { prefix: 'snap_src' })
    const copy = await createDatabase(server.url, { prefix: 'snap_copy' })
    const stop = { now: false }
    try {
      await runSql(source.url, `
        CREATE TABLE checking (id integer PRIMARY KEY, balance bigint NOT NULL, note text);
        CREATE TABLE savings (id integer PRIMARY KEY, balance bigint NOT NULL, note text);
        INSERT INTO checking SELECT g, 1000, repeat('x', 200) FROM generate_series(1, ${ACCOUNTS}) g;
        INSERT INTO savings SELECT g, 1000, repeat('y', 200) FROM generate_series(1, ${ACCOUNTS}) g;`)

      // Four sessions move money from checking to savings and back, one committed transfer at a time.
      let transfers = 0
      const workers = Array.from({ length: 4 }, async (_, w) => {
        const client = new pg.Client({ connectionString: source.url })
        await client.connect()
        try {
          for (let i = 0; !stop.now; i++) {
            const id = 1 + ((i * 7919 + w * 104_729) % ACCOUNTS)
            const amount = 1 + (i % 50)
            const [from, to] = i % 2 === 0 ? ['checking', 'savings'] : ['savings', 'checking']
            await client.query('BEGIN')
            await client.query(`UPDATE ${from} SET balance = balance - $1 WHERE id = $2`, [amount, id])
            await client.query(`UPDATE ${to} SET balance = balance + $1 WHERE id = $2`, [amount, ACCOUNTS + 1 - id])
            await client.query('COMMIT')
            transfers++
          }
        } finally {
          await client.end()
        }
      })

      await new Promise((resolve) => setTimeout(resolve, 200))
      const before = transfers
      const { file } = await dumpToFile({ connection: source.url, jobs })
      const during = transfers - before
      stop.now = true
      await Promise.all(workers)

      // The workload really overlapped the dump, and the live total never moved.
      expect(during).toBeGreaterThan(0)
      const [live] = await runSql<{ total: string }>(source.url, 'SELECT (SELECT sum(balance) FROM checking) + (SELECT sum(balance) FROM savings) AS total')
      expect(Number(live!.total)).toBe(TOTAL)

      await restoreWithPsql(copy.url, { file })
      const [restored] = await runSql<{ total: string; rows: string }>(copy.url, `
        SELECT (SELECT sum(balance) FROM checking) + (SELECT sum(balance) FROM savings) AS total,
               (SELECT count(*) FROM checking) + (SELECT count(*) FROM savings) AS rows`)
      expect(Number(restored!.rows)).toBe(ACCOUNTS * 2)
      expect(Number(restored!.total)).toBe(TOTAL)
    } finally {
      stop.now = true
      await copy.drop()
      await source.drop()
    }
  })
})

it('reading the two tables outside one snapshot does see money in flight (the test can fail)', async () => {
  // The control experiment: the same workload against two separate autocommit reads shows a total
  // that is not constant, which is what a dump without a shared snapshot would capture.
  const db = await createDatabase(server.url, { prefix: 'snap_ctl' })
  try {
    await runSql(db.url, `
      CREATE TABLE checking (id integer PRIMARY KEY, balance bigint NOT NULL);
      CREATE TABLE savings (id integer PRIMARY KEY, balance bigint NOT NULL);
      INSERT INTO checking SELECT g, 1000 FROM generate_series(1, 1000) g;
      INSERT INTO savings SELECT g, 1000 FROM generate_series(1, 1000) g;`)
    const seen = await withClient(db.url, async (reader) => {
      const mover = new pg.Client({ connectionString: db.url })
      await mover.connect()
      try {
        const totals = new Set<number>()
        for (let i = 0; i < 20; i++) {
          const a = await reader.query('SELECT sum(balance)::bigint AS s FROM checking')
          await mover.query('BEGIN')
          await mover.query('UPDATE checking SET balance = balance - 5 WHERE id = $1', [1 + i])
          await mover.query('UPDATE savings SET balance = balance + 5 WHERE id = $1', [1 + i])
          await mover.query('COMMIT')
          const b = await reader.query('SELECT sum(balance)::bigint AS s FROM savings')
          totals.add(Number(a.rows[0].s) + Number(b.rows[0].s))
        }
        return totals
      } finally {
        await mover.end()
      }
    })
    expect([...seen].some((t) => t !== 2_000_000)).toBe(true)
  } finally {
    await db.drop()
  }
})
