import { defineProject } from 'vitest/config'
import { MEMORY_TESTS } from './vitest.memory.config'

export default defineProject({
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    // measured alone, after everything else: see vitest.memory.config.ts
    exclude: [...MEMORY_TESTS, '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
