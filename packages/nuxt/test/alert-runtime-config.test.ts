// The alert thresholds at run time in the built KostMan app: NUXT_PGKEEP_ALERT_* variables reach core's
// manager through the runtime config (the module had no such keys, so only PGKEEP_ALERT_* could set
// them), win over PGKEEP_ALERT_*, and a bad one is OPTIONS_INVALID naming it (a manager the app's
// configuration cannot make is the server's failure: 500, with core's reason). The alert a backup raises
// is read back from the metrics route (pgkeep_alerts_total).
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildKostman, KOSTMAN_USERS, startKostman, type KostmanServer } from './harness/kostman-server'

let app: KostmanServer | undefined

// the build (minutes on 2 cores when the module changed) belongs to the hook's time, not a test's
beforeAll(() => buildKostman())

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- KostMan server output ---\n${app?.output().slice(-6000)}`)
  await app?.stop()
  app = undefined
})

async function sizeAlerts(server: KostmanServer, cookie: string): Promise<number> {
  const text = await (await fetch(`${server.url}/api/backup/metrics`, { headers: { cookie } })).text()
  return Number(/^pgkeep_alerts_total\{kind="backup-size-above"\} (\d+)$/m.exec(text)?.[1] ?? 0)
}

describe('KostMan alert thresholds from NUXT_PGKEEP_ALERT_*', () => {
  it('raise backup-size-above from NUXT_PGKEEP_ALERT_SIZE_ABOVE, over PGKEEP_ALERT_SIZE_ABOVE', async () => {
    app = await startKostman({ scale: 0.05, env: { NUXT_PGKEEP_ALERT_SIZE_ABOVE: '1kB', PGKEEP_ALERT_SIZE_ABOVE: '1TB', NUXT_PGKEEP_RATE_LIMIT: 'false' } })
    const admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
    expect(await sizeAlerts(app, admin)).toBe(0)
    const created = await fetch(`${app.url}/api/backup/database?download=0`, { method: 'POST', headers: { cookie: admin } })
    expect(created.status).toBe(201)
    // the check after a backup runs beside it
    const deadline = Date.now() + 30_000
    while ((await sizeAlerts(app, admin)) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await sizeAlerts(app, admin)).toBe(1)
  })

  it('keep PGKEEP_ALERT_* where no NUXT_PGKEEP_ALERT_* key is set', async () => {
    app = await startKostman({ scale: 0.05, env: { PGKEEP_ALERT_SIZE_ABOVE: '1TB', NUXT_PGKEEP_RATE_LIMIT: 'false' } })
    const admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
    expect((await fetch(`${app.url}/api/backup/database?download=0`, { method: 'POST', headers: { cookie: admin } })).status).toBe(201)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(await sizeAlerts(app, admin)).toBe(0)
  })

  it('answer a bad NUXT_PGKEEP_ALERT_* value with the OPTIONS_INVALID of core naming it', async () => {
    app = await startKostman({ scale: 0.05, env: { NUXT_PGKEEP_ALERT_SIZE_ABOVE: 'lots', PGKEEP_ALERT_SIZE_ABOVE: '1GB' } })
    const admin = await app.login(KOSTMAN_USERS.admin.email, KOSTMAN_USERS.admin.password)
    const history = await fetch(`${app.url}/api/backup/history`, { headers: { cookie: admin } })
    expect(history.status).toBe(500)
    const body = (await history.json()) as { code: string; message: string }
    expect(body.code).toBe('INTERNAL')
    expect(body.message).toMatch(/^the backup manager could not be created from the app's configuration: NUXT_PGKEEP_ALERT_SIZE_ABOVE \(runtimeConfig\.pgkeep\.alert\.sizeAbove\) must be a size above 0, in bytes or with a unit .*, not "lots"$/)
  })
})
