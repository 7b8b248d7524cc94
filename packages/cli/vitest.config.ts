import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

export default defineProject({
  // Tests run against the sources of the workspace packages, not their builds.
  resolve: {
    // exact matches: a plain '@pgkeep/core' key would also rewrite '@pgkeep/core/version' to index.ts/version
    alias: [
      { find: /^@pgkeep\/core$/, replacement: fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
      { find: /^@pgkeep\/core\/version$/, replacement: fileURLToPath(new URL('../core/src/version.ts', import.meta.url)) },
      { find: /^@pgkeep\/core\/engine$/, replacement: fileURLToPath(new URL('../core/src/engine.ts', import.meta.url)) },
    ],
  },
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
