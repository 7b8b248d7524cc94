// Refusals stay on the settings card, whichever action met them, in a real browser (Debian's Chromium
// through playwright-core) against the built KostMan example: the admin's session ends (cookies cleared)
// and Download in the history, Backup Sekarang and Bersihkan Backup Lama each answer 401 with "Sesi Anda
// telah berakhir…" on the card, which stays there after the toast is gone; signed in again, a cleanup
// while a backup holds the backup lock answers 409 with "Backup lain sedang berjalan…" on the card. (403
// and 429 on Backup Sekarang are in browser.test.ts.)
import { withClient } from '@pgkeep/testkit'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const SESSION_ENDED = 'Sesi Anda telah berakhir. Silakan masuk kembali.'
const BUSY = 'Backup lain sedang berjalan. Tunggu hingga selesai.'

let app: KostmanServer
let browser: Browser
let context: BrowserContext
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  app = await startKostman()
  context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta', acceptDownloads: true })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

async function signIn(): Promise<void> {
  await page.goto(`${app.url}/pengaturan`)
  await page.waitForURL(/\/login\?next=(%2F|\/)pengaturan$/)
  await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
  await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
  await page.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
  await page.getByRole('button', { name: 'Masuk' }).click()
  await page.waitForURL(`${app.url}/pengaturan`)
  await page.getByRole('heading', { name: 'Backup Database' }).waitFor()
  await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
}

function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

function answerOf(path: string, method: string): Promise<Response> {
  return later(page.waitForResponse((r) => r.url().startsWith(`${app.url}/api/backup${path}`) && r.request().method() === method))
}

/** The card's notice says `text`, its error toast too; once the toast is closed, the notice is still there. */
async function staysOnCard(text: string, toast: string): Promise<void> {
  const notice = page.locator('.pgk-notice')
  await notice.waitFor()
  await expect(notice.textContent()).resolves.toContain(text)
  const shown = page.locator('.pgk-toast', { hasText: toast })
  await shown.waitFor()
  await shown.getByRole('button').click()
  await shown.waitFor({ state: 'detached' })
  await expect(notice.textContent()).resolves.toContain(text)
}

async function cleanUp(): Promise<Response> {
  const answered = answerOf('/cleanup', 'POST')
  await page.getByRole('button', { name: 'Bersihkan Backup Lama' }).click()
  await page.getByRole('dialog', { name: 'Hapus Backup Lama?' }).getByRole('button', { name: 'Ya, Hapus' }).click()
  return answered
}

describe('refusals on the settings card', () => {
  it('a session that ended: 401 stays on the card for Download, Backup Sekarang and Bersihkan Backup Lama', async () => {
    await signIn()
    const downloaded = later(page.waitForEvent('download', { timeout: 120_000 }))
    await page.getByRole('button', { name: 'Backup Sekarang' }).click()
    const file = await downloaded
    await page.getByRole('button', { name: 'Backup Sekarang' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 })
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()
    const row = page.locator('.pgk-card li', { hasText: file.suggestedFilename() })
    await row.waitFor()
    expect(await page.locator('.pgk-notice').count()).toBe(0)

    await context.clearCookies()

    const presign = answerOf('/download/', 'GET')
    await row.getByRole('button', { name: `Download ${file.suggestedFilename()}` }).click()
    expect((await presign).status()).toBe(401)
    await staysOnCard(SESSION_ENDED, `Download gagal: ${SESSION_ENDED}`)

    const backup = answerOf('/database', 'POST')
    await page.getByRole('button', { name: 'Backup Sekarang' }).click()
    expect((await backup).status()).toBe(401)
    await staysOnCard(SESSION_ENDED, `Backup gagal: ${SESSION_ENDED}`)

    expect((await cleanUp()).status()).toBe(401)
    await staysOnCard(SESSION_ENDED, `Gagal membersihkan backup: ${SESSION_ENDED}`)
  }, 240_000)

  it('a cleanup while a backup is being written: 409 stays on the card', async () => {
    await signIn()
    expect(await page.locator('.pgk-notice').count()).toBe(0)
    // What a backup being written holds: the backup lock, shared (manager/locks.ts: folder storage, keyPrefix 'backups/').
    await withClient(app.databaseUrl, async (holder) => {
      await holder.query("SELECT pg_catalog.pg_advisory_lock_shared(pg_catalog.hashtextextended('pgkeep:backup:fs:backups/', 0))")
      expect((await cleanUp()).status()).toBe(409)
      await staysOnCard(BUSY, `Gagal membersihkan backup: ${BUSY}`)
    })
  }, 120_000)

  it('threw no uncaught error', () => {
    expect(pageErrors).toEqual([])
  })
})
