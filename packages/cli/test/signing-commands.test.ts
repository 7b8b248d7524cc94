// The command line with PGKEEP_SIGNING_KEY: `pgkeep backup` signs, `pgkeep list` says so, `pgkeep
// restore` and `pgkeep verify` check the signature and refuse a tampered or (with
// PGKEEP_REQUIRE_SIGNATURE=1) an unsigned backup, naming it, without printing the key; `pgkeep
// cleanup` keeps the newest signed backup whatever unsigned or tampered ones are planted beside it.
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run } from './run'

const server = inject('pgDefault')
/** The manifest's signed form (keys sorted, no whitespace), as pgkeep signs it, to sign an edited manifest again. */
const canonical = (v: unknown): string => v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? `[${v.map(canonical).join(',')}]`
    : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
const KEY = randomBytes(32).toString('hex')
let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase(server.url, { prefix: 'cli_sign' })
  await runSql(db.url, `CREATE TABLE bills (id integer PRIMARY KEY, amount numeric NOT NULL);
    INSERT INTO bills SELECT g, g * 1000 FROM generate_series(1, 300) g;`)
})
afterAll(() => db?.drop())

describe('pgkeep with PGKEEP_SIGNING_KEY', () => {
  it('signs backups, restores and verifies them, and refuses a tampered or unsigned one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-'))
    const env = { PGKEEP_SIGNING_KEY: KEY }
    const made = await run(['backup', db.url, '--dir', dir, '--json'], { env })
    expect(made.code, made.stderr).toBe(0)
    const record = JSON.parse(made.stdout)
    expect(record.signed).toBe(true)
    expect(await readFile(join(dir, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json')), 'utf8')).not.toContain(KEY)

    const listed = await run(['list', '--dir', dir], { env })
    expect(listed.stdout).toMatch(new RegExp(`^${record.id}  \\S+  manual\\s+${record.size}  signed    ${record.storagePath.replaceAll('.', '\\.')}\\n$`))

    const name = `cli_sign_r_${Date.now()}`
    try {
      const restored = await run(['restore', record.id, server.url, '-C', name, '--dir', dir, '-q'], { env: { ...env, PGKEEP_REQUIRE_SIGNATURE: '1' } })
      expect(restored.code, restored.stderr).toBe(0)
      expect((await runSql<{ n: string }>(server.url.replace(/\/[^/]*$/, `/${name}`), 'SELECT count(*) AS n FROM bills'))[0]!.n).toBe('300')
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
    const verified = await run(['verify', record.id, server.url, '--dir', dir, '-q'], { env })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^ok: 1 tables/)

    // The manifest edited by someone without the key: one more row.
    const manifestFile = join(dir, record.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
    manifest.tables[0].rows += 1
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2))
    for (const args of [['restore', record.id, server.url, '-C', `${name}_t`, '--dir', dir, '-q'], ['verify', record.id, server.url, '--dir', dir, '-q']]) {
      const refused = await run(args, { env })
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain(`pgkeep: error: backup ${record.id} (${record.filename}) was tampered with: its manifest does not match its signature`)
      expect(refused.stderr).toContain('[BACKUP_UNTRUSTED]')
      expect(refused.stderr).not.toContain(KEY)
    }

    // A backup made without the key is refused where signing is required, used with a warning elsewhere.
    const unsigned = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'])).stdout)
    expect(unsigned.signed).toBe(false)
    const strict = await run(['verify', unsigned.id, server.url, '--dir', dir, '-q'], { env: { ...env, PGKEEP_REQUIRE_SIGNATURE: '1' } })
    expect(strict.code).not.toBe(0)
    expect(strict.stderr).toContain(`is unsigned, and signing is required: refusing to verify it [BACKUP_UNTRUSTED]`)
    const lenient = await run(['verify', unsigned.id, server.url, '--dir', dir, '-q'], { env })
    expect(lenient.code, lenient.stderr).toBe(0)
  })

  it('list checks each signature, and cleanup keeps the newest signed backup past a planted newer unsigned one (saying why)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-'))
    const env = { PGKEEP_SIGNING_KEY: KEY }
    const strict = { ...env, PGKEEP_REQUIRE_SIGNATURE: '1' }
    const backup = async (e: NodeJS.ProcessEnv) => JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'], { env: e })).stdout)
    const manifestFile = (r: { storagePath: string }) => join(dir, r.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const verifyFile = (r: { storagePath: string }) => join(dir, r.storagePath.replace(/\.sql\.gz$/, '.verify.json'))
    const old = await backup({})
    const signed1 = await backup(env)
    const signed2 = await backup(env)
    expect((await run(['verify', signed2.id, db.url, '--dir', dir, '-q'], { env })).code).toBe(0)
    // planted by someone who can write the folder but lacks the key: a manifest edited after signing,
    // and a newer unsigned backup with the real one's verification copied beside it
    const tampered = await backup(env)
    const manifest = JSON.parse(await readFile(manifestFile(tampered), 'utf8'))
    manifest.tables[0].rows += 1
    await writeFile(manifestFile(tampered), JSON.stringify(manifest, null, 2))
    const planted = await backup({})
    await writeFile(verifyFile(planted), await readFile(verifyFile(signed2)))

    const column = (stdout: string) => stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/)[4])
    // signed again, with its members' checksums taken out (an older format, or an edit by someone with the key)
    const bare = await backup(env)
    const bareManifest = JSON.parse(await readFile(manifestFile(bare), 'utf8'))
    for (const m of bareManifest.members) delete m.sha256
    const { signature, ...content } = bareManifest
    signature.value = createHmac('sha256', Buffer.from(KEY, 'hex')).update(canonical(content), 'utf8').digest('hex')
    await writeFile(manifestFile(bare), JSON.stringify({ ...content, signature }, null, 2))
    expect(column((await run(['list', '--dir', dir, '--limit', '1'], { env: strict })).stdout)).toEqual(['NO-CHECKSUMS'])
    await rm(manifestFile(bare))
    await rm(join(dir, bare.storagePath))
    expect(column((await run(['list', '--dir', dir], { env: strict })).stdout)).toEqual(['unsigned', 'TAMPERED', 'signed', 'signed', 'unsigned'])
    expect(column((await run(['list', '--dir', dir])).stdout)).toEqual(['unsigned', 'unchecked', 'unchecked', 'unchecked', 'unsigned'])
    expect(JSON.parse((await run(['list', '--dir', dir, '--json'], { env })).stdout).map((r: { signature: string }) => r.signature)).toEqual(['unsigned', 'tampered', 'valid', 'valid', 'unsigned'])

    const dry = await run(['cleanup', db.url, '--dir', dir, '--days', '0', '--dry-run'], { env: strict })
    expect(dry.code, dry.stderr).toBe(0)
    const lines = dry.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(`would delete ${planted.id}  ${planted.createdAt}  ${planted.storagePath}  (untrusted: unsigned, and signing is required)`)
    expect(lines[1]).toBe(`would delete ${tampered.id}  ${tampered.createdAt}  ${tampered.storagePath}  (untrusted: tampered with: its manifest does not match its signature)`)
    expect(lines[2]).toBe(`would delete ${signed1.id}  ${signed1.createdAt}  ${signed1.storagePath}`)
    expect(lines[3]).toBe(`would delete ${old.id}  ${old.createdAt}  ${old.storagePath}  (untrusted: unsigned, and signing is required)`)
    expect(lines.slice(4)).toEqual([
      `would keep ${signed2.id}  (newest, newest-verified)`,
      '3 untrusted backup(s), which restore refuses, never count as the newest (verified) backup; they are kept or deleted by the policy alone',
      '4 to delete, 1 kept',
    ])

    const done = await run(['cleanup', db.url, '--dir', dir, '--days', '0'], { env: strict })
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain(`kept ${signed2.id}  (newest, newest-verified)\n`)
    const listed = await run(['list', '--dir', dir], { env: strict })
    expect(listed.stdout).toMatch(new RegExp(`^${signed2.id}  .*  signed    ${signed2.storagePath.replaceAll('.', '\\.')}\\n$`))
    const name = `cli_sign_ret_${Date.now()}`
    try {
      const restored = await run(['restore', signed2.id, server.url, '-C', name, '--dir', dir, '-q'], { env: strict })
      expect(restored.code, restored.stderr).toBe(0)
      expect((await runSql<{ n: string }>(server.url.replace(/\/[^/]*$/, `/${name}`), 'SELECT count(*) AS n FROM bills'))[0]!.n).toBe('300')
    } finally {
      await runSql(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('replicate copies the signed backup and names the tampered one it does not copy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-rp-'))
    const mirror = await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-rp-mirror-'))
    const env = { PGKEEP_SIGNING_KEY: KEY }
    const good = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'], { env })).stdout)
    const bad = JSON.parse((await run(['backup', db.url, '--dir', dir, '--json'], { env })).stdout)
    // the second one's manifest edited by someone without the key
    const badManifest = join(dir, bad.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const edited = JSON.parse(await readFile(badManifest, 'utf8'))
    edited.tables[0].rows += 1
    await writeFile(badManifest, JSON.stringify(edited, null, 2))

    const replicaEnv = { ...env, PGKEEP_REPLICA_1_DIR: mirror, PGKEEP_REPLICA_1_NAME: 'usb-disk' }
    const replicated = await run(['replicate', '--dir', dir], { env: replicaEnv })
    expect(replicated.code, replicated.stderr).toBe(0)
    expect(replicated.stdout).toContain(`copied ${good.id} to usb-disk\n`)
    expect(replicated.stdout).not.toContain(`copied ${bad.id}`)
    expect(replicated.stdout).toContain(`skipped ${bad.id}: not copied, restore would refuse it (tampered with: its manifest does not match its signature)\n`)
    expect(replicated.stdout).toContain('2 backups: 1 copied, 0 in place, 0 failed, 1 skipped (untrusted)\n')
    await expect(readFile(join(mirror, bad.storagePath))).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await readFile(join(mirror, good.storagePath))).toEqual(await readFile(join(dir, good.storagePath)))

    const json = JSON.parse((await run(['replicate', '--dir', dir, '--json'], { env: replicaEnv })).stdout)
    expect(json.skipped).toEqual([{ id: bad.id, signature: 'tampered', reason: 'tampered with: its manifest does not match its signature' }])
  })

  it('refuses a signing key that is too short without printing it', async () => {
    const short = 'only-twenty-chars-ab'
    const result = await run(['list', '--dir', await mkdtemp(join(tmpdir(), 'pgkeep-cli-sign-'))], { env: { PGKEEP_SIGNING_KEY: short } })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('PGKEEP_SIGNING_KEY is too short')
    expect(result.stderr).toContain('[OPTIONS_INVALID]')
    expect(result.stderr).not.toContain(short)
  })
})
