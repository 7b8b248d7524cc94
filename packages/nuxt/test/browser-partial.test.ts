// A partial backup (a selection of tables) is marked as such in the settings card's history, in a real
// browser (Debian's Chromium through playwright-core) against the built KostMan example: the row of a
// backup of public.facilities alone carries the "Sebagian" badge with its explanation, a full backup's
// row does not. The routes' history answers `partial` for each row.
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

let app: KostmanServer
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  app = await startKostman()
  const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

describe('the history marks partial backups', () => {
  it('shows "Sebagian" on a backup of one table, not on a full one', async () => {
    await page.goto(`${app.url}/pengaturan`)
    await page.waitForURL(/\/login\?next=(%2F|\/)pengaturan$/)
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await page.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${app.url}/pengaturan`)

    // with the admin's session cookie (the page's context): one full backup, one of a single table
    const make = async (body: Record<string, unknown>) => {
      const answer = await page.request.post(`${app.url}/api/backup/database?download=0`, { data: body })
      expect(answer.status(), await answer.text()).toBe(201)
      return ((await answer.json()) as { id: string; partial: boolean })
    }
    const full = await make({})
    const partial = await make({ tables: ['public.facilities'] })
    expect([full.partial, partial.partial]).toEqual([false, true])

    await page.reload()
    await page.getByRole('heading', { name: 'Backup Database' }).waitFor()
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()
    const partialRow = page.locator(`[data-backup-id="${partial.id}"]`)
    const fullRow = page.locator(`[data-backup-id="${full.id}"]`)
    await partialRow.waitFor()
    await fullRow.waitFor()
    const badge = partialRow.locator('.pgk-badge--partial')
    expect(await badge.textContent()).toBe('Sebagian')
    expect(await badge.getAttribute('title')).toMatch(/^Backup sebagian: hanya tabel yang dipilih/)
    expect(await fullRow.locator('.pgk-badge--partial').count()).toBe(0)

    const shots = join(tmpdir(), 'pgkeep-nuxt-shots')
    await mkdir(shots, { recursive: true })
    await page.locator('.pgk-history').screenshot({ path: join(shots, 'history-partial.png') })
    expect(pageErrors).toEqual([])
  }, 120_000)
})
