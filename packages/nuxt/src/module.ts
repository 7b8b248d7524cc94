// The Nuxt module: `modules: ['@pgkeep/nuxt']` with options under `pgkeep`. It puts the secrets into
// private runtimeConfig (so NUXT_PGKEEP_* variables override them at run time), binds core's backup
// route table under the prefix, adds the server plugin (one manager per Nitro app, schedule, close),
// the auto-imported defineBackupAuthorizer() and the <PgkeepBackupCard /> component.
import { addComponent, addServerHandler, addServerImports, addServerPlugin, createResolver, defineNuxtModule } from '@nuxt/kit'
import { defu } from 'defu'
import type { EmailEvent, EmailLanguage, RateLimitOption } from '@pgkeep/core'
import type { PgkeepRuntimeConfig } from './runtime/types'

export type { AlertRuntimeConfig, PgkeepRuntimeConfig } from './runtime/types'

export interface ModuleOptions {
  /** Where the backup routes live. @default '/api/backup' */
  prefix: string
  /** Whether `POST <prefix>/:id/restore` exists (it answers 404 while false). @default false */
  allowRestore: boolean
  /** How many backups the history route answers by default. @default 10 */
  historyLimit: number
  /** `daysToKeep` of the cleanup route when the body gives none. @default 30 */
  cleanupDaysToKeep: number
  /**
   * Other origins (`https://admin.example.com`: scheme, host and port) whose pages may send the routes'
   * POST and DELETE requests from a browser; by default only the app's own origin may (403
   * CROSS_SITE_REQUEST). NUXT_PGKEEP_ALLOWED_ORIGINS sets them at run time (separated by commas or spaces).
   * @default []
   */
  allowedOrigins?: string[]
  /** Scheduled backups and cleanups (croner patterns), once per occurrence across instances. */
  schedule: {
    /** @default true in production builds, false in development */
    enabled?: boolean
    /** @default '0 2 * * *' (daily at 02:00) */
    backupCron: string | false
    /** @default '0 3 * * 0' (Sundays at 03:00) */
    cleanupCron: string | false
    /** IANA time zone of the patterns. @default the server's */
    timezone?: string
  }
  /** The manager's limit on manual backups (`false` for none). @default 3 per hour per user and overall */
  rateLimit?: RateLimitOption
  /** The folder of the backups when no S3 bucket is configured, relative to the server's working directory. @default '.data/backups' */
  storageDir: string
  /** File names: `<namePrefix>-YYYY-MM-DD-<ms>-<id8>.sql.gz`. @default 'backup' */
  namePrefix: string
  /**
   * E-mail notifications, sent once the SMTP server is set at run time (NUXT_PGKEEP_EMAIL_SMTP_URL, a
   * secret, never a module option). The rest may be set here or by NUXT_PGKEEP_EMAIL_* variables.
   */
  email?: {
    /** The sender: an address or `Name <address>`. */
    from?: string
    /** The recipients. */
    to?: string | string[]
    /** @default ['success', 'failure', 'verify-failure', 'alert'] */
    events?: EmailEvent[]
    /** @default 'id' */
    language?: EmailLanguage
    /** The page that shows the backups (where <PgkeepBackupCard /> is); the e-mails link to it. */
    appUrl?: string
  }
  /**
   * The alert thresholds, named as the PGKEEP_ALERT_* variables are (sizeAbove: PGKEEP_ALERT_SIZE_ABOVE)
   * and taking the same values: sizes in bytes or with a unit ('500MB', '2GB'), hours and seconds above 0,
   * the fraction above 0 and at most 1 (with storageQuota). NUXT_PGKEEP_ALERT_* variables override them at
   * run time; a key left unset falls back to its PGKEEP_ALERT_* variable.
   */
  alert?: {
    /** Raise backup-size-above for a backup larger than this. */
    sizeAbove?: number | string
    /** The storage's quota; everything under the key prefix counts. */
    storageQuota?: number | string
    /** Raise storage-quota above this fraction of storageQuota. @default 0.9 */
    storageQuotaFraction?: number
    /** Raise no-recent-success when no backup succeeded for this many hours. */
    noSuccessHours?: number
    /** Raise archive-lag when the change archive's slot keeps more WAL than this. @default '1GB' */
    archiveLag?: number | string
    /** Or when it is this many seconds behind while changes wait. @default 900 */
    archiveLagSeconds?: number
  }
}

export default defineNuxtModule<ModuleOptions>().with({
  meta: { name: '@pgkeep/nuxt', configKey: 'pgkeep', compatibility: { nuxt: '^3.15.0 || ^4.0.0' } },
  defaults: {
    prefix: '/api/backup',
    allowRestore: false,
    historyLimit: 10,
    cleanupDaysToKeep: 30,
    schedule: { backupCron: '0 2 * * *', cleanupCron: '0 3 * * 0' },
    storageDir: '.data/backups',
    namePrefix: 'backup',
  },
  setup(options, nuxt) {
    const { resolve } = createResolver(import.meta.url)
    const prefix = options.prefix.replace(/\/+$/, '')
    const schedule: ModuleOptions['schedule'] = options.schedule
    const runtime: PgkeepRuntimeConfig = {
      databaseUrl: '',
      storageDir: options.storageDir,
      namePrefix: options.namePrefix,
      s3: { bucket: '', endpoint: '', port: '', useSsl: '', accessKey: '', secretKey: '', region: '' },
      replicas: '',
      encryptionPassphrase: '',
      tokenSecret: '',
      metricsToken: '',
      email: {
        smtpUrl: '',
        from: options.email?.from ?? '',
        to: options.email?.to ?? '',
        events: options.email?.events ?? '',
        language: options.email?.language ?? '',
        appUrl: options.email?.appUrl ?? '',
        timeoutMs: '',
      },
      alert: {
        sizeAbove: options.alert?.sizeAbove ?? '',
        storageQuota: options.alert?.storageQuota ?? '',
        storageQuotaFraction: options.alert?.storageQuotaFraction ?? '',
        noSuccessHours: options.alert?.noSuccessHours ?? '',
        archiveLag: options.alert?.archiveLag ?? '',
        archiveLagSeconds: options.alert?.archiveLagSeconds ?? '',
      },
      allowRestore: options.allowRestore,
      historyLimit: options.historyLimit,
      cleanupDaysToKeep: options.cleanupDaysToKeep,
      allowedOrigins: options.allowedOrigins ?? [],
      rateLimit: options.rateLimit ?? '',
      schedule: {
        enabled: schedule.enabled ?? !nuxt.options.dev,
        backupCron: schedule.backupCron,
        cleanupCron: schedule.cleanupCron,
        timezone: schedule.timezone ?? '',
      },
    }
    // What the app's own runtimeConfig.pgkeep says wins over the module's options.
    nuxt.options.runtimeConfig.pgkeep = defu(nuxt.options.runtimeConfig.pgkeep as Partial<PgkeepRuntimeConfig> | undefined, runtime) as PgkeepRuntimeConfig
    nuxt.options.runtimeConfig.public.pgkeep = defu(nuxt.options.runtimeConfig.public.pgkeep as { prefix?: string } | undefined, { prefix })

    addServerHandler({ route: `${prefix}/**`, handler: resolve('./runtime/server/handlers/backup-routes') })
    addServerPlugin(resolve('./runtime/server/plugins/pgkeep'))
    addServerImports([
      { name: 'defineBackupAuthorizer', from: resolve('./runtime/server/utils/authorizer') },
      { name: 'useBackupManager', from: resolve('./runtime/server/utils/backup-manager') },
    ])
    addComponent({ name: 'PgkeepBackupCard', filePath: resolve('./runtime/components/PgkeepBackupCard.vue') })
  },
})
