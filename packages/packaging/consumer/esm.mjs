// An ES module app using the installed @pgkeep/core (run by test/packaging.test.ts in the scratch
// project, with a database URL as argument): a dump into memory, a backup into memoryStorage, its
// download gunzipped, and a PgkeepError caught. Prints what it saw as JSON.
import { Writable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { PGKEEP_VERSION, PgkeepError, createBackupManager, dump, isPgkeepError, memoryStorage } from '@pgkeep/core'

const [connection] = process.argv.slice(2)
let script = ''
const summary = await dump({ connection }, new Writable({ write(chunk, _encoding, done) { script += chunk; done() } }))
const backups = createBackupManager({ connection, storage: memoryStorage() })
const record = await backups.create({ type: 'manual' })
let restored = ''
for await (const chunk of (await backups.download(record.id)).pipe(createGunzip())) restored += chunk
let errorCode = null
try {
  await backups.get('not-a-uuid')
} catch (err) {
  errorCode = isPgkeepError(err) && err instanceof PgkeepError ? err.code : `not a PgkeepError: ${err}`
}
process.stdout.write(JSON.stringify({
  version: PGKEEP_VERSION,
  dumpTables: summary.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]),
  dumpHasData: script.includes('COPY public.rooms'),
  backupRecords: record.metadata.recordCount,
  listed: (await backups.list()).map((r) => r.id).includes(record.id),
  downloadHasData: restored.includes('COPY public.rooms'),
  errorCode,
}))
