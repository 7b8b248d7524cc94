// A ledger workload for the change archive's tests: transfers between accounts (the total balance never
// changes), ledger rows with unique ids (a transaction replayed twice fails on the primary key), deletes,
// updates and truncates of a side table, and numbered marks that say how far an archive has got.
import type pg from 'pg'
import type { StorageDriver } from '../../src/storage/driver'
import { listSegments } from '../../src/logical/replay-archive'

export const LEDGER_ACCOUNTS = 30

export const LEDGER_SCHEMA = `
  CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL, memo text);
  CREATE TABLE ledger (id bigint PRIMARY KEY, from_id integer NOT NULL, to_id integer NOT NULL, amount integer NOT NULL, note text);
  CREATE TABLE notes (k integer, v text);
  ALTER TABLE notes REPLICA IDENTITY FULL;
  CREATE TABLE marks (n integer PRIMARY KEY);
  INSERT INTO accounts SELECT g, 1000, NULL FROM generate_series(1, ${LEDGER_ACCOUNTS}) g;`

export class Ledger {
  private next = 0
  private marks = 0
  /** Transactions committed by this workload. */
  commits = 0

  constructor(private readonly client: pg.Client, private readonly seed = 1) {}

  /**
   * `n` transfers, with a delete of an old ledger row every 7th and a notes truncate every 25th (unless
   * `truncate` is false: a TRUNCATE waiting for its lock while a dump's workers lock their tables fails the dump).
   */
  async transfers(n: number, o: { truncate?: boolean } = {}): Promise<void> {
    for (let i = 0; i < n; i++) {
      const k = this.next + this.seed
      const from = 1 + ((k * 7) % LEDGER_ACCOUNTS)
      const to = 1 + ((k * 13 + 1) % LEDGER_ACCOUNTS)
      const amount = 1 + (k % 40)
      const id = ++this.next
      await this.tx(`UPDATE accounts SET balance = balance - ${amount} WHERE id = ${from};
        UPDATE accounts SET balance = balance + ${amount} WHERE id = ${to};
        INSERT INTO ledger VALUES (${id}, ${from}, ${to}, ${amount}, ${id % 3 === 0 ? 'NULL' : `'transfer ${id}'`});
        INSERT INTO notes VALUES (${id % 5}, 'n${id}')`)
      if (id % 7 === 0) await this.tx(`DELETE FROM ledger WHERE id = ${id - 5}; UPDATE accounts SET memo = 'm${id}' WHERE id = ${from}`)
      if (id % 25 === 0 && o.truncate !== false) await this.tx('TRUNCATE notes')
    }
  }

  /** Commits mark n+1 and returns how many marks there are. */
  async mark(): Promise<number> {
    await this.tx(`INSERT INTO marks VALUES (${++this.marks})`)
    return this.marks
  }

  private async tx(sql: string): Promise<void> {
    await this.client.query(`BEGIN; ${sql}; COMMIT;`)
    this.commits++
  }
}

/** The marks rows (inserts into public.marks) stored in the chain's segments. */
export async function archivedMarks(storage: StorageDriver, prefix: string): Promise<number> {
  let n = 0
  for (const { manifest } of await listSegments(storage, prefix)) n += manifest.rows['public.marks'] ?? 0
  return n
}

/** Polls until `check` holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
