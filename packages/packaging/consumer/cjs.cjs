// A CommonJS app using the installed @pgkeep/core through require() (Node >= 20.19 loads the ES module):
// the same work as esm.mjs, printed as the same JSON.
'use strict'
const { Writable } = require('node:stream')
const { createGunzip } = require('node:zlib')
const { PGKEEP_VERSION, PgkeepError, createBackupManager, dump, isPgkeepError, memoryStorage } = require('@pgkeep/core')

async function main(connection) {
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
  return {
    version: PGKEEP_VERSION,
    dumpTables: summary.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]),
    dumpHasData: script.includes('COPY public.rooms'),
    backupRecords: record.metadata.recordCount,
    listed: (await backups.list()).map((r) => r.id).includes(record.id),
    downloadHasData: restored.includes('COPY public.rooms'),
    errorCode,
  }
}

main(process.argv[2]).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (err) => {
    console.error(err)
    process.exitCode = 1
  },
)
