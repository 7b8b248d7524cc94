// Starts KostMan with no setup: without DATABASE_URL an embedded PostgreSQL 15 is started and the sample
// boarding-house database is loaded into it; backups go to the folder .data/backups unless the
// NUXT_PGKEEP_S3_* (or PGKEEP_S3_*) variables name a bucket.
//   tsx start.ts        build once, then run the production server (.output/server/index.mjs)
//   tsx start.ts dev    run `nuxi dev` instead
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmbeddedServer } from '@pgkeep/testkit/embedded-server'
import { runSql, withDatabase } from '@pgkeep/testkit/database'
import { loadSampleDatabase } from '@pgkeep/testkit/sample-db/generate'

const appDir = dirname(fileURLToPath(import.meta.url))
const dev = process.argv[2] === 'dev'

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NUXT_SESSION_PASSWORD: process.env.NUXT_SESSION_PASSWORD || sessionPassword() }
  let stopDatabase = async () => {}
  if (!env.DATABASE_URL && !env.NUXT_PGKEEP_DATABASE_URL) {
    console.log('DATABASE_URL is not set: starting an embedded PostgreSQL 15 with the sample boarding-house data')
    const server = await startEmbeddedServer({ major: 15, dataDir: join(appDir, '.data', 'postgres') })
    stopDatabase = () => server.stop()
    const exists = await runSql(server.url, "SELECT 1 FROM pg_database WHERE datname = 'kostman'")
    env.DATABASE_URL = withDatabase(server.url, 'kostman')
    if (exists.length === 0) {
      await runSql(server.url, 'CREATE DATABASE kostman')
      const loaded = await loadSampleDatabase(env.DATABASE_URL, { scale: 1 })
      console.log(`loaded the sample data (${(loaded.bytes / 1048576).toFixed(1)} MB)`)
    }
  }
  const nuxi = join(appDir, 'node_modules', '.bin', 'nuxi')
  if (!dev && !existsSync(join(appDir, '.output', 'server', 'index.mjs'))) await run(nuxi, ['build'], env)
  const child = dev
    ? spawn(nuxi, ['dev'], { cwd: appDir, env, stdio: 'inherit' })
    : spawn(process.execPath, ['.output/server/index.mjs'], { cwd: appDir, env, stdio: 'inherit' })
  console.log('KostMan: sign in at http://localhost:' + (env.PORT ?? '3000') + '/login as admin@kostman.test / kostman-admin')
  const stop = () => child.kill('SIGTERM')
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  await new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await stopDatabase()
}

/** A session password kept in .data/session-password, so sessions survive restarts of the example. */
function sessionPassword(): string {
  const file = join(appDir, '.data', 'session-password')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dirname(file), { recursive: true })
  const password = randomBytes(32).toString('base64url')
  writeFileSync(file, password, { mode: 0o600 })
  return password
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: appDir, env, stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))))
  })
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
