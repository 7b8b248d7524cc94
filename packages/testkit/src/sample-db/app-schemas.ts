// A real application's schema at the scale of a grown app, for the start-up-bound schema-only check:
// the boarding-house sample schema (schema.sql: 10 tables with keys, indexes, enums, domains, comments,
// a view, functions and a trigger; 54 relations with the TOAST tables) created `copies` times, in
// schemas app01, app02, … (18 copies: 972 relations). No rows: only the catalog is measured.
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { SAMPLE_SCHEMA_FILE } from './generate'

export async function createAppSchemas(url: string, copies: number): Promise<void> {
  if (!Number.isSafeInteger(copies) || copies < 1 || copies > 99) throw new Error(`unable to create the app schemas: copies must be 1 to 99, not ${copies}`)
  const schema = readFileSync(SAMPLE_SCHEMA_FILE, 'utf8')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (let i = 1; i <= copies; i++) {
      const name = `app${String(i).padStart(2, '0')}`
      // every object of schema.sql is qualified with public.
      await client.query(`BEGIN;\nCREATE SCHEMA ${name};\n${schema.replaceAll('public.', `${name}.`)}\nCOMMIT;`)
    }
  } finally {
    await client.end()
  }
}
