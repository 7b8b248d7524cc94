// What each signal does to `pgkeep backup`, the built command in its own process, mid-write: SIGTERM and
// SIGINT abort it (exit 130) and leave nothing in a folder, nor in S3 (the multipart upload is aborted and
// never completed: s3rver's request log is the witness); SIGKILL cannot be
// caught and leaves the dump's `.partial` file, which the next `pgkeep cleanup` sweeps past the orphan age.
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertBuilt, createDatabase, runSql, s3Env, startS3Server, type S3Request, type S3Server, type TestDatabase } from '@pgkeep/testkit'
import { s3Storage } from '@pgkeep/core'
import { startSilentServer, type SilentServer } from '@pgkeep/testkit/silent-server'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { files, run, start, until, writingDump } from './process'

const server = inject('pgDefault')
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
let big: TestDatabase
let s3: S3Server

beforeAll(async () => {
  assertBuilt('core', 'cli')
  // hex text compresses to about half: tens of MB of gzip, several 8 MiB parts, a few seconds of backup
  big = await createDatabase(server.url, { prefix: 'cli_signals' })
  await runSql(big.url, `CREATE TABLE payments AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) || md5((g + 3)::text) AS note
    FROM generate_series(1, 400000) g;`)
  s3 = await startS3Server({ recordRequests: true })
}, 120_000)
afterAll(async () => {
  await s3?.stop()
  await big?.drop()
})

/** Object keys in the bucket, listed from this process; the audit trail (backups/audit/) is meant to stay. */
async function objectNames(bucket: string): Promise<string[]> {
  const storage = s3Storage({ endPoint: s3.endPoint, port: s3.port, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, useSSL: false, pathStyle: true, bucket })
  const names: string[] = []
  for await (const object of storage.list('')) names.push(object.key)
  return names.filter((n) => !n.startsWith('backups/audit/')).sort()
}

/** The requests about the bucket's backup objects, as `METHOD query status`, upload ids hidden. */
function backupRequests(requests: S3Request[], bucket: string): string[] {
  return requests
    .filter((r) => r.path.startsWith(`/${bucket}/backups/`) && !r.path.startsWith(`/${bucket}/backups/audit/`))
    .map((r) => `${r.method} ${r.query.replace(/uploadId=[0-9a-f]+/, 'uploadId=ID')} ${r.status ?? '-'}`.replace(/ +/g, ' '))
}

describe('signals during pgkeep backup', () => {
  it('SIGTERM to a folder: exit 130, said on stderr, nothing but the audit trail stays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-term-'))
    const child = start(process.execPath, [bin, 'backup', big.url, '--dir', dir])
    await until(async () => writingDump(dir))
    child.process.kill('SIGTERM')
    const result = await child.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('pgkeep: interrupted by SIGTERM; nothing half written was kept')
    expect((await files(dir)).filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to S3 mid-upload: exit 130, the multipart upload aborted and never completed, nothing in the bucket`, async () => {
      const bucket = `signals-${signal.toLowerCase()}-${randomBytes(4).toString('hex')}`
      const child = start(process.execPath, [bin, 'backup', big.url, '--quiet'], s3Env(s3, bucket))
      // the multipart upload has begun (its first part was full)
      await until(async () => backupRequests(await s3.requests(), bucket).includes('POST uploads 200'))
      child.process.kill(signal)
      const result = await child.done
      expect(result.code).toBe(130)
      expect(result.stderr).toContain(`pgkeep: interrupted by ${signal}; nothing half written was kept`)
      const requests = backupRequests(await s3.requests(), bucket)
      // the abort was sent (s3rver answers 405: it cannot abort, AWS S3 and MinIO can); no completion was
      expect(requests).toContain('DELETE uploadId=ID 405')
      expect(requests.filter((r) => r.startsWith('POST uploadId=ID'))).toEqual([])
      expect(requests).not.toContain('PUT 200') // nor a whole object in one PUT
      expect(await objectNames(bucket)).toEqual([])
    })
  }

  it('SIGKILL to a folder leaves the dump\'s .partial; the next pgkeep cleanup past the orphan age sweeps it and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgkeep-kill-'))
    const child = start(process.execPath, [bin, 'backup', big.url, '--dir', dir])
    await until(async () => writingDump(dir))
    child.process.kill('SIGKILL')
    await child.done
    const left = (await files(dir)).filter((f) => !f.startsWith('backups/audit/'))
    expect(left).toEqual([expect.stringMatching(/^backups\/\d{4}\/backup-\d{4}-\d{2}-\d{2}-\d{13}-[0-9a-f]{8}\.sql\.gz\.[0-9a-f]{16}\.partial$/)])
    const partial = left[0]!

    // younger than the default orphan age (an hour): it might be a backup another process is writing
    const young = await run(process.execPath, [bin, 'cleanup', '--dir', dir])
    expect(young.code).toBe(0)
    expect(young.stdout).not.toContain(partial)
    expect(await files(dir)).toContain(partial)

    const dry = await run(process.execPath, [bin, 'cleanup', '--dir', dir, '--orphan-age', '0', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(`would delete unfinished ${partial} (left by a killed process)\n`)
    expect(await files(dir)).toContain(partial)

    const json = await run(process.execPath, [bin, 'cleanup', '--dir', dir, '--orphan-age', '0', '--dry-run', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, incomplete: [partial], orphans: [] })

    const done = await run(process.execPath, [bin, 'cleanup', '--dir', dir, '--orphan-age', '0'])
    expect(done.stderr).toBe('')
    expect(done.code).toBe(0)
    expect(done.stdout).toContain(`deleted unfinished ${partial} (left by a killed process)\n`)
    expect((await files(dir)).filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
  })
})

// Something on the port accepts the connection and never answers (a wrong port, a stalled proxy):
// without connect_timeout, which is unset by default as libpq's, only the signal can end the wait. One
// SIGTERM, as `timeout` and `systemctl stop` send, or one Ctrl-C must do it.
describe('signals while pgkeep is still connecting', () => {
  let silent: SilentServer
  beforeAll(async () => {
    silent = await startSilentServer()
  })
  afterAll(async () => {
    await silent?.close()
  })

  const cases: { args: (url: string, dir: string) => string[]; signal: 'SIGTERM' | 'SIGINT' }[] = [
    { args: (url) => ['dump', url, '-s'], signal: 'SIGTERM' },
    { args: (url, dir) => ['backup', url, '--dir', dir], signal: 'SIGTERM' },
    { args: (url) => ['restore', '-', url, '-C', 'pgkeep_never_made'], signal: 'SIGINT' },
  ]
  for (const { args, signal } of cases) {
    it(`one ${signal} ends pgkeep ${args('URL', 'DIR').join(' ')}: exit 130, the connection closed`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pgkeep-connecting-'))
      const before = silent.connections
      const child = start(process.execPath, [bin, ...args(`postgresql://postgres@127.0.0.1:${silent.port}/postgres`, dir)])
      await silent.accepted(before + 1)
      child.process.kill(signal)
      const result = await child.done
      expect(result.code).toBe(130)
      expect(result.stderr).toBe(`pgkeep: interrupted by ${signal}; nothing half written was kept\n`)
      await until(() => silent.closed === silent.connections)
      expect((await files(dir)).filter((f) => !f.startsWith('backups/audit/'))).toEqual([])
    })
  }
})
