// A bucket or folder that does not exist, on the built KostMan example: a misspelt NUXT_PGKEEP_S3_BUCKET
// (on the test run's s3rver) or a NUXT_PGKEEP_STORAGE_DIR that is not there listed as no backups, so the
// settings card said "Belum ada backup.". The routes that read backups answer 404 STORAGE_NOT_FOUND
// naming the bucket or folder (without making it), and the card's history shows that error, in a real
// browser (Debian's Chromium through playwright-core), instead of an empty table.
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium } from './browser-chromium'
import { KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

const bucket = `kostman-typo-${randomBytes(4).toString('hex')}`
const folder = join(tmpdir(), `kostman-missing-${randomBytes(4).toString('hex')}`, 'backupz')
let inS3: KostmanServer
let inFolder: KostmanServer
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
  inS3 = await startKostman({ storage: 's3', scale: 0.05, env: { NUXT_PGKEEP_S3_BUCKET: bucket } })
  inFolder = await startKostman({ scale: 0.05, env: { NUXT_PGKEEP_STORAGE_DIR: folder } })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await inS3?.stop()
  await inFolder?.stop()
})

async function routeErrors(app: KostmanServer): Promise<{ route: string; status: number; code: string; message: string }[]> {
  const cookie = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
  const out = []
  for (const [method, path] of [['GET', '/history'], ['GET', `/download/${randomUUID()}`], ['POST', '/cleanup']] as const) {
    const response = await fetch(`${app.url}/api/backup${path}`, { method, headers: { cookie } })
    const body = (await response.json()) as { code: string; message: string }
    out.push({ route: `${method} ${path}`, status: response.status, code: body.code, message: body.message })
  }
  return out
}

describe('a storage that does not exist', () => {
  it('the routes answer 404 STORAGE_NOT_FOUND naming the bucket or the folder, and make neither', async () => {
    const s3 = inject('s3')
    for (const answer of await routeErrors(inS3)) {
      expect(answer, answer.route).toMatchObject({ status: 404, code: 'STORAGE_NOT_FOUND' })
      expect(answer.message, answer.route).toMatch(new RegExp(`^the bucket "${bucket}" does not exist at ${s3.endPoint.replace(/\./g, '\\.')}:${s3.port}; check the bucket name and the endpoint`))
    }
    for (const answer of await routeErrors(inFolder)) {
      expect(answer, answer.route).toMatchObject({ status: 404, code: 'STORAGE_NOT_FOUND' })
      expect(answer.message, answer.route).toMatch(new RegExp(`^the backup folder ${folder} does not exist; check the path`))
    }
    expect(existsSync(folder)).toBe(false)
    // the history is still refused: nothing above made the bucket
    expect((await routeErrors(inS3))[0]).toMatchObject({ status: 404, code: 'STORAGE_NOT_FOUND' })
  })

  it('the card shows the error in the history, not "Belum ada backup."', async () => {
    const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`${inS3.url}/login`)
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))
    await page.getByLabel('Email').fill(KOSTMAN_USERS.admin.email)
    await page.getByLabel('Kata sandi').fill(KOSTMAN_USERS.admin.password)
    await page.getByRole('button', { name: 'Masuk' }).click()
    await page.waitForURL(`${inS3.url}/`)
    await page.goto(`${inS3.url}/pengaturan`)
    await page.getByRole('heading', { name: 'Backup Database' }).waitFor()
    await page.waitForFunction(() => Boolean((document.querySelector('#__nuxt') as { __vue_app__?: unknown } | null)?.__vue_app__))

    const answered = page.waitForResponse((r) => r.url().startsWith(`${inS3.url}/api/backup/history`))
    await page.getByRole('button', { name: 'Lihat Riwayat' }).click()
    expect((await answered).status()).toBe(404)
    const error = page.locator('.pgk-history__state--error')
    await error.waitFor()
    expect(await error.textContent()).toMatch(new RegExp(`^Gagal memuat riwayat: the bucket "${bucket}" does not exist at .+; check the bucket name`))
    expect(await page.getByText('Belum ada backup.').count()).toBe(0)
    expect(await page.locator('.pgk-history__row').count()).toBe(0)

    const shots = join(tmpdir(), 'pgkeep-nuxt-shots')
    await mkdir(shots, { recursive: true })
    await page.locator('.pgk-card').screenshot({ path: join(shots, 'history-missing-bucket.png') })
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
