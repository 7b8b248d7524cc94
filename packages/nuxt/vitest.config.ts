import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

export default defineProject({
  // The tests' own use of core (restore, the audit trail) runs on its sources; the server under test bundles them too.
  resolve: { alias: { '@pgkeep/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) } },
  test: {
    name: 'nuxt',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // The first hook builds the KostMan example (nuxi build), which takes a few minutes on 2 cores.
    hookTimeout: 600_000,
    fileParallelism: false,
  },
})
