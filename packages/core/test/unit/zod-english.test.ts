// pgkeep's schemas (zod/mini) word their messages in English through their parse options, not through
// zod's global language, which the application owns: an app that sets German for its own schemas keeps
// German there, and pgkeep's OPTIONS_INVALID and 400 texts stay English. Each case is checked under the
// app's German and with no language at all (as where only zod/mini is loaded, which brings none).
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { de, en } from 'zod/v4/locales'
import { handleBackupRequest } from '../../src/http/dispatch'
import type { BackupManager } from '../../src/manager'
import { resolveHttpConfig } from '../../src/http/http-config'
import { parseManifest } from '../../src/manifest/manifest'
import { resolveDumpOptions } from '../../src/options'
import { resolveRestoreOptions } from '../../src/restore/restore-options'

function messageOf(run: () => unknown): string {
  try {
    run()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('accepted')
}

const settings = [
  ['the application set German for its own zod', () => z.config(de())],
  // zod/mini alone loads no language: every message would be the bare "Invalid input"
  ['no language set anywhere', () => z.config({ localeError: () => undefined })],
] as const

describe("pgkeep's messages are English whatever language the application gave zod", () => {
  afterEach(() => {
    z.config(en())
  })

  for (const [label, setLanguage] of settings) {
    it(`options, manifests and request bodies: ${label}`, async () => {
      setLanguage()
      // the app's own schema follows the app's setting (German, or zod's bare "Invalid input")
      const own = z.object({ n: z.number() }).safeParse({ n: 'x' })
      expect(own.error?.issues[0]?.message).not.toMatch(/expected number/)

      expect(messageOf(() => resolveDumpOptions({ jobs: 'two' }))).toBe('invalid dump options: jobs: must be a whole number from 1 to 16')
      expect(messageOf(() => resolveDumpOptions({ schemaOnly: 'yes' }))).toBe('invalid dump options: schemaOnly: Invalid input: expected boolean, received string')
      expect(messageOf(() => resolveDumpOptions({ tables: ['a'], extra: 1 }))).toBe('invalid dump options: options: Unrecognized key: "extra"')
      expect(messageOf(() => resolveRestoreOptions({ maxStatementBytes: 0 }))).toBe('invalid restore options: maxStatementBytes: Too small: expected number to be >=1')
      expect(messageOf(() => parseManifest('{"format":"pgkeep-backup"}', 'x.manifest.json'))).toBe(
        'manifest x.manifest.json is not a pgkeep backup manifest (formatVersion: Invalid input: expected 1)',
      )

      // a manager that fails the test if asked: the body is refused before
      const manager = new Proxy({}, { get: (_t, name) => { throw new Error(`the manager was asked for ${String(name)}`) } }) as BackupManager
      const result = await handleBackupRequest(
        { method: 'POST', path: '/cleanup', query: {}, headers: { 'content-type': 'application/json' }, body: { daysToKeep: 'seven' }, signal: new AbortController().signal },
        { manager, config: resolveHttpConfig({}), authorize: () => true, log: () => {} },
      )
      expect(result.status).toBe(400)
      expect(result.kind === 'json' && JSON.stringify(result.json)).toContain('daysToKeep: expected a whole number from 0 to 36500, got a string')
      // a message of zod's own (the schema names none)
      const history = await handleBackupRequest(
        { method: 'GET', path: '/history', query: { limit: '0' }, headers: {}, signal: new AbortController().signal },
        { manager, config: resolveHttpConfig({}), authorize: () => true, log: () => {} },
      )
      expect(history.status).toBe(400)
      expect(history.kind === 'json' && JSON.stringify(history.json)).toContain('limit: Too small: expected number to be >=1, got 0')
    })
  }
})
