// KostMan: sessions from nuxt-auth-utils, backups from @pgkeep/nuxt. Secrets come from the environment
// at run time (NUXT_SESSION_PASSWORD, DATABASE_URL or NUXT_PGKEEP_DATABASE_URL, NUXT_PGKEEP_S3_*).
export default defineNuxtConfig({
  compatibilityDate: '2026-11-01',
  devtools: { enabled: false },
  telemetry: false,
  modules: ['nuxt-auth-utils', '@pgkeep/nuxt'],
  pgkeep: {
    namePrefix: 'kostman-backup',
  },
  // In this monorepo the server bundles @pgkeep/core from its TypeScript sources (the package's
  // "@pgkeep/source" export, compiled for Node 20); an app that installs @pgkeep/core from npm needs neither.
  nitro: { exportConditions: ['@pgkeep/source'], esbuild: { options: { target: 'node20' } } },
})
