// copyToStream() over TLS: node-postgres swaps the session's socket for a TLS socket after the SSL
// handshake, and CopyOutQuery reads that one. A server of its own with ssl = on and a self-signed
// certificate (test/fixtures/tls, valid for 100 years).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chownToServerUser, isEmbeddedMajor, serverUser, startEmbeddedServer, withClient, type EmbeddedServer } from '@pgkeep/testkit'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { copyToStream } from '../src/data/copy-to-stream'

const pgDefault = inject('pgDefault')
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-copy-tls-'))
chmodSync(workDir, 0o755)
let server: EmbeddedServer

beforeAll(async () => {
  const certDir = join(workDir, 'tls')
  const fixtures = join(import.meta.dirname, 'fixtures', 'tls')
  mkdirSync(certDir, { mode: 0o700 })
  for (const file of ['server.crt', 'server.key']) copyFileSync(join(fixtures, file), join(certDir, file))
  // the server refuses a key anyone but its owner can read, and must own it
  chmodSync(join(certDir, 'server.key'), 0o600)
  for (const path of [certDir, join(certDir, 'server.crt'), join(certDir, 'server.key')]) chownToServerUser(path, serverUser())
  server = await startEmbeddedServer({
    major: isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15,
    dataDir: join(workDir, 'pg'),
    settings: { ssl: 'on', ssl_cert_file: join(certDir, 'server.crt'), ssl_key_file: join(certDir, 'server.key') },
  })
}, 120_000)

afterAll(async () => {
  await server?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

/** Runs `fn` on a session that is encrypted (checked), the server's self-signed certificate accepted. */
async function withTlsClient(fn: (client: pg.Client) => Promise<void>): Promise<void> {
  await withClient(`${server.url}?sslmode=no-verify`, async (client) => {
    const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    expect(rows).toEqual([{ ssl: true }])
    await fn(client)
  })
}

describe('copyToStream() over TLS', () => {
  it('every row and the row count, then the session answers the next query', async () => {
    await withTlsClient(async (client) => {
      const stream = copyToStream(client, 'COPY (SELECT g, md5(g::text), repeat(\'x\', g % 700) FROM generate_series(1, 100000) g) TO STDOUT')
      const chunks: Buffer[] = []
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
      const lines = Buffer.concat(chunks).toString('utf8').split('\n')
      expect(lines.length).toBe(100001)
      expect(lines[0]).toBe('1\tc4ca4238a0b923820dcc509a6f75849b\tx')
      expect(lines[99999]).toBe(`100000\t14ee22eaba297944c96afdbe5b16c65b\t${'x'.repeat(100000 % 700)}`)
      expect(stream.rowCount).toBe(100000)
      expect((await client.query('SELECT 6 * 7 AS n')).rows).toEqual([{ n: 42 }])
    })
  })

  it('an error in the middle of the COPY: the server\'s error, and the session goes on', async () => {
    await withTlsClient(async (client) => {
      const stream = copyToStream(client, 'COPY (SELECT g, 1 / (g - 90000) FROM generate_series(1, 100000) g) TO STDOUT')
      const outcome = await (async () => {
        for await (const _chunk of stream as AsyncIterable<Buffer>) { /* rows before the error */ }
      })().then(() => null, (error: Error & { code?: string }) => error)
      expect(outcome).toMatchObject({ message: 'division by zero', code: '22012' })
      expect((await client.query('SELECT 1 AS n')).rows).toEqual([{ n: 1 }])
    })
  })
})
