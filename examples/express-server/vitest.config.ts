// The example's own test: the server as `pnpm start` runs it (tsx server.ts), probed over HTTP.
//   pnpm exec vitest run --config examples/express-server/vitest.config.ts   (from the repository root; pnpm test runs it too)
// It needs a PostgreSQL server: TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres.
import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'example-express',
    root: new URL('.', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
