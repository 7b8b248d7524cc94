// An Express app with pgkeep's backup routes under /api/backup. Administrators may do everything,
// staff nothing, anonymous callers get 401 (see users.ts for the example's stand-in authentication).
//   DATABASE_URL set:   backs up that database.
//   DATABASE_URL unset: starts an embedded PostgreSQL 15 with the sample boarding-house database.
//   Storage: ./backups (PGKEEP_BACKUP_DIR), or S3 when PGKEEP_S3_BUCKET and its companions are set.
//   PORT (default 3000).
import express from 'express'
import { createBackupManager, managerOptionsFromEnv } from '@pgkeep/core'
import { createBackupRouter } from '@pgkeep/express'
import { startEmbeddedServer } from '@pgkeep/testkit/embedded-server'
import { runSql, withDatabase } from '@pgkeep/testkit/database'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'
import { jsonErrors, notFound } from './json-errors'
import { userOf } from './users'

let databaseUrl = process.env.DATABASE_URL ?? process.env.PGKEEP_DATABASE_URL
let stopDatabase = async () => {}
if (!databaseUrl) {
  console.log('DATABASE_URL is not set: starting an embedded PostgreSQL 15 with the sample boarding-house database')
  const pg = await startEmbeddedServer({ major: 15 })
  stopDatabase = () => pg.stop()
  await runSql(pg.url, 'CREATE DATABASE kostman')
  databaseUrl = withDatabase(pg.url, 'kostman')
  await loadSampleDatabase(databaseUrl, { scale: 0.2 })
}

const env = managerOptionsFromEnv({ PGKEEP_BACKUP_DIR: 'backups', ...process.env })
const backups = createBackupManager({ ...env, connectionString: databaseUrl, namePrefix: 'kostman-backup' })

const app = express()
// No express.json() in front of the router: the router reads its own JSON bodies (at most 64 kB), asks
// who calls first, and answers a malformed, wrongly typed or oversized body with its own JSON error. A
// global parser would answer first, to anyone, with Express's HTML error page (a stack trace and server
// paths outside production). Routes of your own that need JSON bodies take express.json() on the route:
// app.post('/api/things', express.json(), handler).
app.use('/api/backup', createBackupRouter(backups, {
  authorize(req) {
    const user = userOf(req)
    if (!user) return null // 401
    return user.role === 'admin' ? user.id : false // the actor, or 403
  },
  secrets: [databaseUrl, process.env.PGKEEP_S3_SECRET_KEY, process.env.PGKEEP_ENCRYPTION_PASSPHRASE],
}))
// Last: a route nobody serves, and any error that reaches Express (a parser or route of your own), as
// JSON without a stack, never Express's HTML error page (json-errors.ts).
app.use(notFound, jsonErrors)

const port = Number(process.env.PORT ?? 3000)
const server = app.listen(port, (error?: Error) => {
  if (error) {
    console.error(`unable to listen on port ${port}: ${error.message}`)
    void stopDatabase().then(() => process.exit(1))
    return
  }
  console.log(`listening on http://localhost:${port}/api/backup (storage: ${backups.storage.kind})`)
  console.log(`try: curl -H 'Authorization: Bearer admin-example-token' http://localhost:${port}/api/backup/history`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    void stopDatabase().then(() => process.exit(0))
  })
}
