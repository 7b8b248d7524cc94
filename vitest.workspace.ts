// The test projects of the monorepo. Vitest 4 replaced workspace files with `test.projects`;
// this file keeps the name the project layout asks for and is passed with --config.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
  },
})
