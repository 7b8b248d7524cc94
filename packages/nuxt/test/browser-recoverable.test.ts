// The settings page's Riwayat Backup in a real browser (Debian's Chromium through playwright-core) showing
// a base backup's recoverable window: "dapat dipulihkan hingga <time>" on its row, the whole window in
// the tooltip, nothing of the kind on an ordinary backup. The base backup and its change archive are made
// on an embedded server with wal_level = logical (the core tests' chain helper) into the KostMan app's
// backup folder. The screenshot goes to test/artifacts/ (git-ignored).
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBackupManager, fsStorage } from '@pgkeep/core'
import { createDatabase, isEmbeddedMajor, runSql, startEmbeddedServer, type EmbeddedServer, type TestDatabase } from '@pgkeep/testkit'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestChain, type TestChain } from './archive-chain'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const pgDefault = inject('pgDefault')
const pgServers = inject('pgServers')
const workDir = mkdtempSync(join(tmpdir(), 'pgkeep-nuxt-pitr-'))
chmodSync(workDir, 0o755)

let app: KostmanServer
let browser: Browser
let page: Page
let own: EmbeddedServer | null = null
let src: TestDatabase
let chain: TestChain
let plainId: string

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  app = await startKostman({ scale: 0.05 })
  const embedded = Object.values(pgServers).find((s) => s.major === pgDefault.major) ?? Object.values(pgServers)[0]
  let serverUrl: string
  if (embedded) serverUrl = embedded.url
  else {
    own = await startEmbeddedServer({ major: isEmbeddedMajor(pgDefault.major) ? pgDefault.major : 15, dataDir: join(workDir, 'pg') })
    serverUrl = own.url
  }
  src = await createDatabase(serverUrl, { prefix: 'nuxt_pitr_src' })
  await runSql(src.url, `
    CREATE TABLE kamar (id integer PRIMARY KEY, penghuni text, sewa integer NOT NULL);
    INSERT INTO kamar SELECT g, NULL, 1500000 FROM generate_series(1, 12) g;
    CREATE PUBLICATION pgkeep_all FOR ALL TABLES;`)
  const storage = fsStorage({ dir: app.storageDir! })
  // an ordinary backup first (no window), then the base backup of a chain with six archived transactions
  plainId = (await createBackupManager({ connectionString: src.url, storage }).create()).id
  chain = await startTestChain({ url: src.url, storage, slot: `pgkeep_nuxt_pitr_${process.pid}`, publication: 'pgkeep_all' })
  for (let i = 1; i <= 6; i++) await runSql(src.url, `UPDATE kamar SET penghuni = 'Penghuni ${i}' WHERE id = ${i}`)
  await chain.waitFor(6)
  await chain.stop()
  browser = await launchChromium()
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await chain?.stop().catch(() => {})
  await src?.drop()
  await own?.stop()
  await app?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

describe('Riwayat Backup with a change archive', () => {
  it('shows "dapat dipulihkan hingga <time>" on the base backup\'s row, the window in its tooltip, and nothing on an ordinary backup', async () => {
    const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
    page = await context.newPage()
    page.setDefaultTimeout(20_000)
    await page.goto(`${app.url}/pengaturan`)
    await page.waitForURL(/\/login\?next=/)
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await page.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${app.url}/pengaturan`)
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()

    const row = page.locator(`[data-backup-id="${chain.record.id}"]`)
    await row.waitFor()
    const record = await createBackupManager({ connectionString: src.url, storage: fsStorage({ dir: app.storageDir! }) }).get(chain.record.id)
    const inJakarta = (d: Date) => new Intl.DateTimeFormat('id-ID', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Jakarta' }).format(d)
    const badge = row.locator('.pgk-recoverable')
    await expect(badge.textContent().then((t) => t?.trim())).resolves.toBe(`dapat dipulihkan hingga ${inJakarta(record.recoverable!.until!)}`)
    await expect(badge.locator('time').getAttribute('datetime')).resolves.toBe(record.recoverable!.until!.toISOString())
    await expect(badge.getAttribute('title')).resolves.toBe(
      `Dapat dipulihkan ke titik waktu mana pun dari ${inJakarta(record.recoverable!.from)} hingga ${inJakarta(record.recoverable!.until!)} (6 segmen arsip perubahan)`,
    )
    await expect(page.locator(`[data-backup-id="${plainId}"] .pgk-recoverable`).count()).resolves.toBe(0)
    await page.mouse.move(0, 0)
    await page.locator('.pgk-history').screenshot({ path: join(ARTIFACTS, 'recoverable-window.png'), animations: 'disabled' })
    await context.close()
  }, 120_000)
})
