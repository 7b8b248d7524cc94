// Quick start: dumps a PostgreSQL database into ./backups/<database>-<time>.sql.gz with @pgkeep/core.
//   DATABASE_URL set:   backs up that database.
//   DATABASE_URL unset: starts an embedded PostgreSQL 15 (no services needed), loads the sample
//                       boarding-house database into it, backs it up, and stops the server again.
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { dump, isPgkeepError, redactConnectionString, type DumpSummary } from '@pgkeep/core'
import { startEmbeddedServer } from '@pgkeep/testkit/embedded-server'
import { runSql, withDatabase } from '@pgkeep/testkit/database'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'

const backupsDir = resolve(process.env.INIT_CWD ?? process.cwd(), 'backups')

async function backup(url: string, name: string): Promise<{ file: string; summary: DumpSummary }> {
  await mkdir(backupsDir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(backupsDir, `${name}-${stamp}.sql.gz`)
  const partial = `${file}.partial`
  const gzip = createGzip({ level: 6 })
  const written = pipeline(gzip, createWriteStream(partial, { mode: 0o600 }))
  try {
    const summary = await dump({ connection: url }, gzip)
    gzip.end()
    await written
    await rename(partial, file)
    return { file, summary }
  } catch (error) {
    gzip.destroy()
    await written.catch(() => {})
    await rm(partial, { force: true })
    throw error
  }
}

async function main(): Promise<void> {
  const given = process.env.DATABASE_URL
  let stop = async () => {}
  let url: string
  let name: string
  if (given) {
    url = given
    name = new URL(given, 'postgresql://localhost').pathname.slice(1) || 'database'
    console.log(`backing up ${redactConnectionString(given)}`)
  } else {
    console.log('DATABASE_URL is not set: starting an embedded PostgreSQL 15 with the sample boarding-house database')
    const server = await startEmbeddedServer({ major: 15 })
    stop = () => server.stop()
    await runSql(server.url, 'CREATE DATABASE kostman')
    url = withDatabase(server.url, 'kostman')
    name = 'kostman'
    const loaded = await loadSampleDatabase(url, { scale: 1 })
    const rows = Object.values(loaded.rows).reduce((a, b) => a + b, 0)
    console.log(`loaded ${rows} rows into database kostman (${(loaded.bytes / 1048576).toFixed(1)} MB)`)
  }
  try {
    const { file, summary } = await backup(url, name)
    const rows = summary.tables.reduce((n, t) => n + t.rows, 0)
    const size = (await stat(file)).size
    console.log(`dumped ${summary.tables.length} tables, ${rows} rows, ${summary.bytes} bytes of SQL in ${summary.durationMs} ms`)
    console.log(`wrote ${relative(process.env.INIT_CWD ?? process.cwd(), file)} (${size} bytes gzip)`)
    for (const warning of summary.warnings) console.warn(`warning: ${warning}`)
  } finally {
    await stop()
  }
}

main().catch((error) => {
  console.error(isPgkeepError(error) ? `error: ${error.message} [${error.code}]` : error)
  process.exitCode = 1
})
