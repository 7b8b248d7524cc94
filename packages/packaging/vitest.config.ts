import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'packaging',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    // packing every public package and one npm install of all the tarballs (a cold cache takes minutes)
    hookTimeout: 900_000,
  },
})
