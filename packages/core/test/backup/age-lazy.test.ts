// age-encryption is loaded on the first encryption, decryption or key pair only: the built package, run
// in a process where resolving `age-encryption` fails, imports and dumps; only making a key pair needs
// the package, and then fails with the resolver's error.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { assertBuilt, createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const server = inject('pgDefault')
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
let db: TestDatabase

/** A module-resolution hook that refuses `age-encryption`. */
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'age-encryption' || specifier.startsWith('age-encryption/')) throw new Error('age-encryption is blocked in this test')
  return next(specifier, context)
}`
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`

const script = `
const { dump, generateAgeKeyPair } = await import(${JSON.stringify(dist)})
const chunks = []
const out = new (await import('node:stream')).Writable({ write(chunk, _, done) { chunks.push(chunk); done() } })
await dump({ connection: process.env.AGE_LAZY_DB, schemaOnly: true }, out)
console.log('dump:', Buffer.concat(chunks).toString().includes('CREATE TABLE public.rooms') ? 'has rooms' : 'no rooms')
console.log('keygen:', await generateAgeKeyPair().then(() => 'made', (e) => e.message))
`

beforeAll(async () => {
  assertBuilt('core')
  db = await createDatabase(server.url, { prefix: 'agelazy' })
  await runSql(db.url, 'CREATE TABLE rooms (id int)')
}, 120_000)
afterAll(() => db?.drop())

describe('age-encryption loading', () => {
  it('is not needed to import @pgkeep/core or dump; a key pair loads it', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
      timeout: 60_000, env: { ...process.env, AGE_LAZY_DB: db.url },
    })
    expect(stdout).toBe(['dump: has rooms', 'keygen: age-encryption is blocked in this test', ''].join('\n'))
  })
})
