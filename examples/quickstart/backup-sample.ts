// Quick start: one real backup of a PostgreSQL database with the @pgkeep/core backup manager, printed as
// the record an app would store.
//   DATABASE_URL set:   backs up that database.
//   DATABASE_URL unset: starts an embedded PostgreSQL 15 (no services needed), loads the sample
//                       boarding-house database into it, backs it up, and stops the server again.
//   Storage: ./backups/<year>/kostman-backup-YYYY-MM-DD-<ms>-<id8>.sql.gz (+ its .manifest.json), or S3 when
//   PGKEEP_S3_BUCKET, PGKEEP_S3_ENDPOINT, PGKEEP_S3_ACCESS_KEY and PGKEEP_S3_SECRET_KEY are set.
import { createBackupManager, isPgkeepError, redactConnectionString, storageFromEnv, type BackupProgress } from '@pgkeep/core'
import { startEmbeddedServer } from '@pgkeep/testkit/embedded-server'
import { runSql, withDatabase } from '@pgkeep/testkit/database'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'

async function main(): Promise<void> {
  const given = process.env.DATABASE_URL
  let stop = async () => {}
  let url: string
  if (given) {
    url = given
    console.log(`backing up ${redactConnectionString(given)}`)
  } else {
    console.log('DATABASE_URL is not set: starting an embedded PostgreSQL 15 with the sample boarding-house database')
    const server = await startEmbeddedServer({ major: 15 })
    stop = () => server.stop()
    await runSql(server.url, 'CREATE DATABASE kostman')
    url = withDatabase(server.url, 'kostman')
    const loaded = await loadSampleDatabase(url, { scale: 1 })
    const rows = Object.values(loaded.rows).reduce((a, b) => a + b, 0)
    console.log(`loaded ${rows} rows into database kostman (${(loaded.bytes / 1048576).toFixed(1)} MB)`)
  }
  try {
    // The demo writes where `pnpm demo` was started (INIT_CWD), not in examples/quickstart.
    const storage = storageFromEnv(process.env, process.env.INIT_CWD ?? process.cwd())
    const backups = createBackupManager({ connection: url, storage, namePrefix: 'kostman-backup', maxSizeBytes: 500 * 1024 * 1024 })
    let lastTable = ''
    const record = await backups.create({
      type: 'manual',
      createdBy: 'demo',
      onProgress: (p: BackupProgress) => {
        if (p.phase === 'data' && p.table && p.table !== lastTable) {
          lastTable = p.table
          const percent = p.bytesTotal > 0 ? Math.min(100, Math.round((p.bytesDone / p.bytesTotal) * 100)) : 0
          console.log(`  ${String(percent).padStart(3)}%  ${p.table} (${p.tablesDone + 1}/${p.tablesTotal})`)
        }
      },
    })
    console.log(`stored in ${storage.kind} storage: ${record.storagePath}`)
    console.log(JSON.stringify(record, null, 2))
  } finally {
    await stop()
  }
}

main().catch((error) => {
  console.error(isPgkeepError(error) ? `error: ${error.message} [${error.code}]` : error)
  process.exitCode = 1
})
