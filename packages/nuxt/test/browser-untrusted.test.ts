// Backups the server would refuse to use are marked in the settings card's history, in a real browser
// (Debian's Chromium through playwright-core) against the built KostMan example running with a signing
// key and PGKEEP_REQUIRE_SIGNATURE=1: beside its own signed backup, the folder holds one whose manifest
// was changed after signing, one signed with another key and one unsigned. Their rows carry "Tidak
// tepercaya" with the reason in the tooltip and a disabled Download saying why; the signed one's do not.
// The history answers `signature` and `trusted` for each row.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackupManager, fsStorage } from '@pgkeep/core'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const KEY = randomBytes(32).toString('hex')
let app: KostmanServer
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  app = await startKostman({ scale: 0.05, env: { PGKEEP_SIGNING_KEY: KEY, PGKEEP_REQUIRE_SIGNATURE: '1', NUXT_PGKEEP_RATE_LIMIT: 'false' } })
  const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

/** A backup of the app's database into its folder, by a manager of this process (another key, or none). */
async function plant(signingKey?: string): Promise<{ id: string; storagePath: string }> {
  const manager = createBackupManager({ connection: app.databaseUrl, storage: fsStorage({ dir: app.storageDir! }), namePrefix: 'kostman-backup', rateLimit: false, ...(signingKey ? { signing: { key: signingKey } } : {}) })
  return manager.create({ actor: 'planted' })
}

describe('the history marks backups the server would not use', () => {
  it('shows "Tidak tepercaya" with the reason on tampered, unknown-key and unsigned backups, not on the signed one', async () => {
    // Made before the server reads any manifest (it keeps each one it read).
    const unsigned = await plant()
    const unknownKey = await plant(randomBytes(32).toString('hex'))
    const tampered = await plant(KEY)
    // the manifest beside the dump: <name>.manifest.json for <name>.sql.gz
    const manifestPath = join(app.storageDir!, tampered.storagePath.replace(/\.sql\.gz$/, '.manifest.json'))
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { createdBy: unknown }
    manifest.createdBy = 'someone else'
    await writeFile(manifestPath, JSON.stringify(manifest))

    await page.goto(`${app.url}/login`)
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await page.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${app.url}/`)
    // the server's own backup, signed with its key
    const made = await page.request.post(`${app.url}/api/backup/database?download=0`, { data: {} })
    expect(made.status(), await made.text()).toBe(201)
    const signed = (await made.json()) as { id: string; signature: string; trusted: boolean }
    expect(signed).toMatchObject({ signature: 'valid', trusted: true })

    const history = (await (await page.request.get(`${app.url}/api/backup/history`)).json()) as { backups: { id: string; signature: string; trusted: boolean }[] }
    const byId = new Map(history.backups.map((b) => [b.id, { signature: b.signature, trusted: b.trusted }]))
    expect(byId.get(signed.id)).toEqual({ signature: 'valid', trusted: true })
    expect(byId.get(tampered.id)).toEqual({ signature: 'tampered', trusted: false })
    expect(byId.get(unknownKey.id)).toEqual({ signature: 'unknown-key', trusted: false })
    expect(byId.get(unsigned.id)).toEqual({ signature: 'unsigned', trusted: false })

    await page.goto(`${app.url}/pengaturan`)
    await page.getByRole('heading', { name: 'Backup Database' }).waitFor()
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()
    const row = (id: string) => page.locator(`[data-backup-id="${id}"]`)
    for (const id of [signed.id, tampered.id, unknownKey.id, unsigned.id]) await row(id).waitFor()

    const expected: [string, RegExp][] = [
      [tampered.id, /^Manifest backup ini telah diubah: tidak cocok dengan tanda tangannya\. Backup ini tidak akan dipulihkan/],
      [unknownKey.id, /^Backup ini ditandatangani dengan kunci yang tidak dikonfigurasi di server\. Backup ini tidak akan dipulihkan/],
      [unsigned.id, /^Backup ini tidak ditandatangani, padahal tanda tangan diwajibkan\. Backup ini tidak akan dipulihkan/],
    ]
    for (const [id, title] of expected) {
      const badge = row(id).locator('.pgk-badge--untrusted')
      expect(await badge.textContent(), id).toBe('Tidak tepercaya')
      expect(await badge.getAttribute('title'), id).toMatch(title)
    }
    expect(await row(signed.id).locator('.pgk-badge--untrusted').count()).toBe(0)

    // Their Download is disabled, saying why (the server would answer BACKUP_UNTRUSTED); the signed one's is not.
    const downloadOf = (id: string) => row(id).getByRole('button', { name: /^Download / })
    for (const id of [tampered.id, unknownKey.id, unsigned.id]) {
      await expect.poll(() => downloadOf(id).isDisabled(), { message: id }).toBe(true)
      expect(await downloadOf(id).getAttribute('title'), id).toBe('Backup yang tidak tepercaya tidak dapat diunduh: server menolak memakainya.')
    }
    expect(await downloadOf(signed.id).isEnabled()).toBe(true)
    expect(await downloadOf(signed.id).getAttribute('title')).toBeNull()
    // a click on it asks the server nothing and says nothing
    const asked: string[] = []
    page.on('request', (r) => { if (r.url().includes('/api/backup/download/')) asked.push(r.url()) })
    await downloadOf(tampered.id).click({ force: true })
    await page.waitForTimeout(300)
    expect(asked).toEqual([])
    expect(await page.locator('.pgk-toast').count()).toBe(0)

    const shots = join(tmpdir(), 'pgkeep-nuxt-shots')
    await mkdir(shots, { recursive: true })
    await page.locator('.pgk-history').screenshot({ path: join(shots, 'history-untrusted.png') })
    expect(pageErrors).toEqual([])
  }, 120_000)
})
