// The test projects of the monorepo. Vitest 4 replaced workspace files with `test.projects`;
// this file keeps the name the project layout asks for and is passed with --config.
// Beside the default reporter, the skip reporter lists every skipped test with its reason at the end
// of the run, and under CI=true fails the run on a skip that packages/testkit/src/allowed-skips.ts
// does not list.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // core-memory runs last and alone (packages/core/vitest.memory.config.ts)
    // the Express example's own test (its server as `pnpm start` runs it) runs with the packages'
    projects: ['packages/*/vitest.config.ts', 'examples/express-server/vitest.config.ts', 'packages/core/vitest.memory.config.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    reporters: ['default', './packages/testkit/src/skip-reporter.ts'],
  },
})
