// nodemailer is loaded on the first e-mail only: the built package, run in a process where resolving
// `nodemailer` fails (as if it were not installed), imports, makes a backup manager with e-mail
// notifications and stores a backup; only sending the message needs the package, and its absence is
// then an `email-failed` alert, not a crash nor a failed backup.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const server = inject('pgDefault')
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
let db: TestDatabase

/** A module-resolution hook that refuses `nodemailer`. */
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'nodemailer' || specifier.startsWith('nodemailer/')) throw new Error('nodemailer is blocked in this test')
  return next(specifier, context)
}`
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`

const script = `
const { createBackupManager, memoryStorage } = await import(${JSON.stringify(dist)})
const backups = createBackupManager({ connection: process.env.EMAIL_LAZY_DB, storage: memoryStorage(), rateLimit: false,
  notifications: { email: { url: 'smtp://127.0.0.1:1', from: 'backups@kost.test', to: 'admin@kost.test', retries: 0 } } })
const alert = new Promise((resolve) => backups.on('alert', resolve))
const record = await backups.create()
console.log('backup:', record.status)
console.log('alert:', (await alert).message)
console.log('nodemailer:', await import('nodemailer').then(() => 'loaded', (e) => e.message))
`

beforeAll(async () => {
  assertBuilt('core')
  db = await createDatabase(server.url, { prefix: 'emaillazy' })
  await runSql(db.url, 'CREATE TABLE t (id int)')
}, 120_000)
afterAll(() => db?.drop())

describe('nodemailer loading', () => {
  it('is not needed to import @pgkeep/core, make a manager with e-mail notifications, or back up', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
      timeout: 60_000, env: { ...process.env, EMAIL_LAZY_DB: db.url },
    })
    expect(stdout).toBe([
      'backup: completed',
      'alert: the success e-mail via 127.0.0.1:1 failed after 1 attempt(s): nodemailer is blocked in this test',
      'nodemailer: nodemailer is blocked in this test',
      '',
    ].join('\n'))
  })
})
