// Writes large-object contents as pg_dump's plain format does: lo_open, one lowrite per 16 kB of
// data as a hex bytea literal, lo_close. Contents are read with lo_get in bounded slices.
import { quoteBytea } from '../emit/quote'
import type { DumpSession } from '../session/dump-session'
import type { ScriptOutput } from '../write/output'

/** pg_dump's LOBBUFSIZE: the size of each lowrite() call in the script. */
const WRITE_CHUNK = 16384
/** How much of a large object one query reads (bounded memory). */
const READ_SLICE = 1024 * 1024
const INV_WRITE = 131072

export async function writeLargeObjects(session: DumpSession, oids: number[], output: ScriptOutput, standardConformingStrings: boolean): Promise<number> {
  let total = 0
  for (const oid of oids) {
    await output.write(`SELECT pg_catalog.lo_open('${oid}', ${INV_WRITE});\n`)
    for (let offset = 0; ; offset += READ_SLICE) {
      const result = await session.client.query({
        text: 'SELECT pg_catalog.lo_get($1::pg_catalog.oid, $2::pg_catalog.int8, $3::pg_catalog.int4) AS data',
        values: [oid, offset, READ_SLICE],
      })
      const data = result.rows[0].data as Buffer
      for (let i = 0; i < data.length; i += WRITE_CHUNK) {
        await output.write(`SELECT pg_catalog.lowrite(0, ${quoteBytea(data.subarray(i, i + WRITE_CHUNK), standardConformingStrings)});\n`)
      }
      total += data.length
      if (data.length < READ_SLICE) break
    }
    await output.write('SELECT pg_catalog.lo_close(0);\n\n')
  }
  return total
}
