// A schema with many relations and no data, for schema-only scale checks: `tables` tables named
// t00001… and `views` views over them, in one schema. Two shapes: 'wide' gives each table a serial
// primary key, a text column and an index (table, sequence, primary key index, TOAST table and its
// index, index: 6 relations a table, so 2,000 tables are 12,000 relations); 'bare' gives each table two
// int columns and nothing else (1 relation), so 10,000 tables and 10,000 views are 20,000 relations.
// Statements go in transactions of a few hundred tables, so the server's lock table never fills up.
import pg from 'pg'

export interface ManyRelationsOptions {
  tables: number
  views: number
  shape: 'wide' | 'bare'
  /** Schema to create them in. @default 'public' */
  schema?: string
}

/** Tables per transaction: each holds an ACCESS EXCLUSIVE lock on every relation it creates. */
const BATCH = 200

export async function createManyRelations(url: string, opts: ManyRelationsOptions): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const schema = opts.schema ?? 'public'
    if (schema !== 'public') await client.query(`CREATE SCHEMA "${schema}"`)
    for (let from = 1; from <= opts.tables; from += BATCH) {
      let sql = 'BEGIN;\n'
      for (let i = from; i < from + BATCH && i <= opts.tables; i++) sql += tableSql(schema, i, opts.shape)
      await client.query(`${sql}COMMIT;`)
    }
    for (let from = 1; from <= opts.views; from += BATCH) {
      let sql = 'BEGIN;\n'
      for (let i = from; i < from + BATCH && i <= opts.views; i++) {
        const table = `t${pad(((i - 1) % Math.max(1, opts.tables)) + 1)}`
        sql += `CREATE VIEW "${schema}".v${pad(i)} AS SELECT * FROM "${schema}".${table};\n`
      }
      await client.query(`${sql}COMMIT;`)
    }
  } finally {
    await client.end()
  }
}

function tableSql(schema: string, i: number, shape: ManyRelationsOptions['shape']): string {
  const name = `"${schema}".t${pad(i)}`
  if (shape === 'bare') return `CREATE TABLE ${name} (a integer, b integer);\n`
  return (
    `CREATE TABLE ${name} (id serial PRIMARY KEY, label text NOT NULL, created timestamptz DEFAULT now());\n` +
    `CREATE INDEX t${pad(i)}_label ON ${name} (label);\n`
  )
}

function pad(i: number): string {
  return String(i).padStart(5, '0')
}
