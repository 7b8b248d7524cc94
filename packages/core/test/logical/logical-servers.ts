// Embedded servers with wal_level = logical for the archive's tests: the kit's (PGKEEP_TEST_MAJORS), plus
// one of the default server's major started here when the kit has none of it. stop() ends what it started.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isEmbeddedMajor, runSql, startEmbeddedServer, type EmbeddedServer } from '@pgkeep/testkit'
import { inject } from 'vitest'

export async function logicalServers(name: string): Promise<{ servers: { url: string; major: number }[]; workDir: string; stop(): Promise<void> }> {
  const pgDefault = inject('pgDefault')
  const servers = Object.values(inject('pgServers'))
  const own: EmbeddedServer[] = []
  const workDir = mkdtempSync(join(tmpdir(), `pgkeep-${name}-`))
  chmodSync(workDir, 0o755)
  if (!servers.some((s) => s.major === pgDefault.major) && isEmbeddedMajor(pgDefault.major)) {
    const server = await startEmbeddedServer({ major: pgDefault.major, dataDir: join(workDir, `pg${pgDefault.major}`) })
    own.push(server)
    servers.push({ url: server.url, major: server.major })
  }
  return {
    servers,
    workDir,
    async stop() {
      for (const server of own) await server.stop()
      rmSync(workDir, { recursive: true, force: true })
    },
  }
}

/** Waits (up to 60 s) until `what()` holds. */
export async function until(what: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function dropSlotIfAny(url: string, slot: string): Promise<void> {
  await runSql(url, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`).catch(() => {})
}
