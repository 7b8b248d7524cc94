// The settings page clicked in a real browser (Debian's Chromium through playwright-core) against the
// built KostMan example: sign in as the admin, Pengaturan → Backup Sekarang with its progress bar, the
// downloaded .sql.gz gunzips and restores equal to the app's database, the new row in Riwayat Backup
// downloads the same bytes, Bersihkan Backup Lama through its dialog; the staff member is refused.
// With S3 storage, Download follows the presigned URL to the bucket. Screenshots of each state go to
// test/artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { restore } from '@pgkeep/core'
import { assertSameDatabase, createDatabase } from '@pgkeep/testkit'
import type { Browser, BrowserContext, Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

/** The rules of Tailwind v4's preflight that bear on the card (Nuxt UI apps load it). */
const PREFLIGHT = `
*, ::after, ::before, ::backdrop { box-sizing: border-box; margin: 0; padding: 0; border: 0 solid; }
h1, h2, h3, h4, h5, h6 { font-size: inherit; font-weight: inherit; }
ol, ul, menu { list-style: none; }
img, svg, video, canvas { display: block; vertical-align: middle; }
button, input, select, textarea { font: inherit; color: inherit; background-color: transparent; border-radius: 0; }
button { cursor: default; }
`

let app: KostmanServer
let browser: Browser
let admin: BrowserContext
let page: Page
/** The backup made through the page: its id, file name and bytes. */
let made: { id: string; filename: string; bytes: Buffer }

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await launchChromium()
  // Scale 1 (about 8 MB) makes the backup last long enough for its progress to show.
  app = await startKostman({ scale: 1 })
  admin = await newContext()
  page = await admin.newPage()
  page.setDefaultTimeout(20_000)
  watchForPageErrors(page)
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

function newContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta', acceptDownloads: true })
}

/** Uncaught errors and hydration mismatches seen by any watched page (checked after all tests). */
const pageErrors: string[] = []
function watchForPageErrors(p: Page): void {
  p.on('pageerror', (error) => pageErrors.push(`${p.url()}: ${error.message}`))
  p.on('console', (message) => {
    if (/hydrat/i.test(message.text())) pageErrors.push(`${p.url()}: ${message.text()}`)
  })
}

/** Waits until Vue has taken over the server-rendered page, so that clicks reach their handlers. */
async function hydrated(p: Page): Promise<void> {
  await p.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
}

async function openLogin(p: Page): Promise<void> {
  await p.goto(`${app.url}/pengaturan`)
  // No session: the middleware sends the visitor to the login page, remembering where they wanted to go.
  await p.waitForURL(/\/login\?next=(%2F|\/)pengaturan$/)
  await hydrated(p)
}

async function signIn(p: Page, user: { email: string; password: string }, { opened = false } = {}): Promise<void> {
  if (!opened) await openLogin(p)
  await p.getByLabel('Email').fill(user.email)
  await p.getByLabel('Kata sandi').fill(user.password)
  await p.getByRole('button', { name: 'Masuk' }).click()
  await p.waitForURL(`${app.url}/pengaturan`)
  await p.getByRole('heading', { name: 'Backup Database' }).waitFor()
  await hydrated(p)
}

async function bytesOf(download: Download): Promise<Buffer> {
  const failure = await download.failure()
  if (failure) throw new Error(`the download of ${download.suggestedFilename()} failed: ${failure}`)
  return readFile(await download.path())
}

/** `promise`, marked as handled: a test that fails before awaiting it leaves no unhandled rejection. */
function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

/** A screenshot under test/artifacts/, with the mouse out of the way and animations at their end. */
async function shot(p: Page, name: string, fullPage = true): Promise<Buffer> {
  await p.mouse.move(0, 0)
  return p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage, animations: 'disabled' })
}

describe('the settings page in Chromium', () => {
  it('refuses a wrong password, signs the admin in and shows the backup card on Pengaturan', async () => {
    await openLogin(page)
    await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await page.getByLabel('Kata sandi').fill('not-the-password')
    await page.getByRole('button', { name: 'Masuk' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Email atau kata sandi salah.')
    await shot(page, '0-login-refused')

    await signIn(page, KOSTMAN_USERS.admin, { opened: true })
    await page.getByRole('link', { name: 'Dashboard' }).click()
    await page.getByText('Selamat datang, Admin KostMan.').waitFor()
    await shot(page, '0-dashboard')
    await page.getByRole('link', { name: 'Pengaturan' }).first().click()
    await page.getByRole('heading', { name: 'Backup Database' }).waitFor()
    await expect(page.getByRole('button', { name: 'Backup Sekarang' }).isEnabled()).resolves.toBe(true)
    await expect(page.getByRole('button', { name: 'Lihat Riwayat' }).isVisible()).resolves.toBe(true)
    await expect(page.getByRole('heading', { name: 'Tips' }).isVisible()).resolves.toBe(true)
    await shot(page, '1-idle')
  })

  it('Backup Sekarang shows progress, then the browser saves a .sql.gz that restores equal to the database', async () => {
    // Every percent the progress bar shows, recorded in the page as it changes.
    await page.evaluate(() => {
      const seen: number[] = []
      ;(window as unknown as { pgkSeen: number[] }).pgkSeen = seen
      new MutationObserver(() => {
        const value = document.querySelector('.pgk-card [role=progressbar]')?.getAttribute('aria-valuenow')
        if (value !== null && value !== undefined) seen.push(Number(value))
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] })
    })
    const downloaded = later(page.waitForEvent('download', { timeout: 120_000 }))
    const answered = later(page.waitForResponse((r) => r.url() === `${app.url}/api/backup/database` && r.request().method() === 'POST', { timeout: 120_000 }))
    await page.getByRole('button', { name: 'Backup Sekarang' }).click()

    // While it runs: the buttons that act are disabled and the bar is shown.
    await page.getByRole('progressbar', { name: 'Kemajuan backup' }).waitFor()
    await expect(page.getByRole('button', { name: 'Bersihkan Backup Lama' }).isDisabled()).resolves.toBe(true)
    // A percent above 0 on the bar (the events route reached the page), or the answer if the backup beat it.
    const midway = () => Number(document.querySelector('.pgk-card [role=progressbar]')?.getAttribute('aria-valuenow')) > 0
    await Promise.race([later(page.waitForFunction(midway, undefined, { timeout: 60_000, polling: 50 })), answered])
    await shot(page, '2-during-backup')

    const response = await answered
    if (response.status() !== 200) throw new Error(`POST /api/backup/database answered ${response.status()}: ${await response.text()}`)
    const id = response.headers()['x-backup-id']
    expect(id).toBeTruthy()
    const download = await downloaded
    const filename = download.suggestedFilename()
    expect(filename).toMatch(/^kostman-backup-.*\.sql\.gz$/)
    expect(response.headers()['content-disposition']).toContain(filename)
    const bytes = await bytesOf(download)
    made = { id: id!, filename, bytes }

    await page.getByText(`Backup berhasil dibuat: ${filename}`).waitFor()
    await expect(page.getByRole('button', { name: 'Backup Sekarang' }).isEnabled()).resolves.toBe(true)
    const seen = await page.evaluate(() => (window as unknown as { pgkSeen: number[] }).pgkSeen)
    expect(seen.some((v) => v > 0 && v < 100), `percents shown: ${seen.join(', ')}`).toBe(true)

    const script = gunzipSync(bytes).toString('utf8')
    expect(script).toContain('CREATE TABLE')
    const copy = await createDatabase(inject('pgDefault').url, { prefix: 'kostman_copy' })
    try {
      await restore(Buffer.from(script, 'utf8'), { target: copy.url })
      await assertSameDatabase(app.databaseUrl, copy.url)
    } finally {
      await copy.drop()
    }
  })

  it('Lihat Riwayat lists the new backup, and its Download gives the same bytes', async () => {
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()
    const row = page.locator(`.pgk-card li[data-backup-id="${made.id}"]`)
    await row.waitFor()
    await expect(row.textContent()).resolves.toContain(made.filename)
    await expect(row.locator('.pgk-badge').first().textContent()).resolves.toMatch(/^\s*Manual\s*$/)
    await expect(page.getByRole('button', { name: 'Sembunyikan Riwayat' }).getAttribute('aria-expanded')).resolves.toBe('true')
    await shot(page, '3-history-open')
    await page.locator('.pgk-card').screenshot({ path: join(ARTIFACTS, 'card.png'), animations: 'disabled' })

    const downloaded = later(page.waitForEvent('download', { timeout: 60_000 }))
    await row.getByRole('button', { name: `Download ${made.filename}` }).click()
    const download = await downloaded
    expect(download.suggestedFilename()).toBe(made.filename)
    expect((await bytesOf(download)).equals(made.bytes)).toBe(true)
  })

  it('Bersihkan Backup Lama asks first (Escape cancels), then cleans up and says how many went', async () => {
    const opener = page.getByRole('button', { name: 'Bersihkan Backup Lama' })
    // From the keyboard: focus the button and press Enter.
    await opener.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Hapus Backup Lama?' })
    await dialog.waitFor()
    // The safe choice has the focus.
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Batal')
    await shot(page, '4-cleanup-dialog', false)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Bersihkan Backup Lama')

    await opener.click()
    await dialog.waitFor()
    const answered = later(page.waitForResponse((r) => r.url() === `${app.url}/api/backup/cleanup` && r.request().method() === 'POST'))
    await dialog.getByRole('button', { name: 'Ya, Hapus' }).click()
    const response = await answered
    expect(response.status(), await response.text()).toBe(200)
    const answer = (await response.json()) as { success: boolean; deletedCount: number; message: string }
    expect(answer.success).toBe(true)
    expect(typeof answer.message).toBe('string')
    const toast = answer.deletedCount === 0 ? 'Tidak ada backup lama yang perlu dihapus' : `${answer.deletedCount} backup lama dihapus`
    await page.locator('.pgk-toasts').getByText(toast).waitFor()
    // The newest good backup is never cleaned up.
    await page.locator(`.pgk-card li[data-backup-id="${made.id}"]`).waitFor()
    await shot(page, '5-after-cleanup')
  })

  it('keeps its look under a CSS reset like Tailwind\'s preflight (Nuxt UI): bullets, centred dialog, button cursor', async () => {
    const reset = await admin.newPage()
    try {
      await reset.goto(`${app.url}/pengaturan`)
      await hydrated(reset)
      await reset.addStyleTag({ content: PREFLIGHT })
      await expect(reset.locator('.pgk-tips li').first().evaluate((li) => getComputedStyle(li).listStyleType)).resolves.toBe('disc')
      await expect(reset.getByRole('button', { name: 'Backup Sekarang' }).evaluate((b) => getComputedStyle(b).cursor)).resolves.toBe('pointer')
      await reset.getByRole('button', { name: 'Bersihkan Backup Lama' }).click()
      const box = await reset.getByRole('dialog', { name: 'Hapus Backup Lama?' }).boundingBox()
      const viewport = reset.viewportSize()!
      expect(Math.abs(box!.x - (viewport.width - box!.x - box!.width))).toBeLessThan(2)
      expect(Math.abs(box!.y - (viewport.height - box!.y - box!.height))).toBeLessThan(2)
      await shot(reset, '5-dialog-under-css-reset', false)
      await reset.keyboard.press('Escape')
    } finally {
      await reset.close()
    }
  })

  it('the fourth manual backup in an hour is refused with the minutes until the next one', async () => {
    // The manager allows 3 manual backups per hour by default; one was made above.
    for (let n = 2; n <= 3; n++) {
      const downloaded = later(page.waitForEvent('download', { timeout: 120_000 }))
      await page.getByRole('button', { name: 'Backup Sekarang' }).click()
      await bytesOf(await downloaded)
      await page.getByRole('button', { name: 'Backup Sekarang' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 })
    }
    const answered = later(page.waitForResponse((r) => r.url() === `${app.url}/api/backup/database` && r.request().method() === 'POST'))
    await page.getByRole('button', { name: 'Backup Sekarang' }).click()
    const response = await answered
    expect(response.status()).toBe(429)
    const retryAfter = Number(response.headers()['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    const minutes = Math.ceil(retryAfter / 60)
    const notice = page.locator('.pgk-notice')
    await notice.waitFor()
    await expect(notice.textContent()).resolves.toContain(`Batas backup manual tercapai. Coba lagi dalam ${minutes} menit.`)
    await shot(page, '6-rate-limited')
  })

  it('refuses the staff member: "Hanya administrator yang dapat membuat backup", no file; Logout ends the session', async () => {
    const context = await newContext()
    try {
      const staff = await context.newPage()
      watchForPageErrors(staff)
      let downloads = 0
      staff.on('download', () => downloads++)
      await signIn(staff, KOSTMAN_USERS.staff)
      const answered = later(staff.waitForResponse((r) => r.url() === `${app.url}/api/backup/database`))
      await staff.getByRole('button', { name: 'Backup Sekarang' }).click()
      expect((await answered).status()).toBe(403)
      const notice = staff.locator('.pgk-notice')
      await notice.waitFor()
      await expect(notice.textContent()).resolves.toContain('Hanya administrator yang dapat membuat backup')
      await staff.locator('.pgk-toasts').getByText('Backup gagal: Hanya administrator yang dapat membuat backup').waitFor()
      await shot(staff, '7-staff-refused')
      expect(downloads).toBe(0)

      await staff.getByRole('button', { name: 'Logout' }).click()
      await staff.waitForURL(/\/login$/)
      await staff.goto(`${app.url}/pengaturan`)
      await staff.waitForURL(/\/login\?next=/)
    } finally {
      await context.close()
    }
  })
})

describe('the settings page in Chromium, backups in S3', () => {
  let s3app: KostmanServer
  let context: BrowserContext

  beforeAll(async () => {
    s3app = await startKostman({ storage: 's3', scale: 0.2 })
    context = await newContext()
  }, 600_000)

  afterAll(async () => {
    await context?.close()
    await s3app?.stop()
  })

  it('Download in the history follows the presigned URL to the bucket and saves the same bytes', async () => {
    const p = await context.newPage()
    p.setDefaultTimeout(20_000)
    watchForPageErrors(p)
    await p.goto(`${s3app.url}/login`)
    await hydrated(p)
    await p.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await p.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
    await p.getByRole('button', { name: 'Masuk' }).click()
    await p.waitForURL(`${s3app.url}/`)
    await p.goto(`${s3app.url}/pengaturan`)
    await hydrated(p)

    const downloaded = later(p.waitForEvent('download', { timeout: 120_000 }))
    await p.getByRole('button', { name: 'Backup Sekarang' }).click()
    const first = await downloaded
    const bytes = await bytesOf(first)
    expect(gunzipSync(bytes).toString('utf8')).toContain('CREATE TABLE')

    await p.getByRole('button', { name: 'Lihat Riwayat' }).click()
    const row = p.locator('.pgk-card li', { hasText: first.suggestedFilename() })
    await row.waitFor()
    const presigned = later(p.waitForResponse((r) => r.url().startsWith(`${s3app.url}/api/backup/download/`)))
    const again = later(p.waitForEvent('download', { timeout: 60_000 }))
    await row.getByRole('button', { name: `Download ${first.suggestedFilename()}` }).click()
    const { url } = (await (await presigned).json()) as { url: string }
    // The URL points at the bucket on the S3 endpoint, not at the app.
    expect(new URL(url).origin).not.toBe(new URL(s3app.url).origin)
    expect(url).toContain(s3app.bucket!)
    expect((await bytesOf(await again)).equals(bytes)).toBe(true)
  })
})

describe('the pages', () => {
  it('threw no uncaught error and had no hydration mismatch', () => {
    expect(pageErrors).toEqual([])
  })
})
