import { defineConfig } from 'tsup'

export default defineConfig({
  // version.ts alone as well: `pgkeep --version` prints it without loading the library; engine.ts, the
  // dump engine without the backup manager (what the command loads at start); hold-heap-while-loading.ts,
  // which the other two import first, so that it runs before the modules of pg and zod load; and
  // load-pg-without-fetch.ts, which they import second, so that pg loads before their own modules import it.
  entry: ['src/index.ts', 'src/engine.ts', 'src/version.ts', 'src/hold-heap-while-loading.ts', 'src/load-pg-without-fetch.ts'],
  external: ['./hold-heap-while-loading.js', './load-pg-without-fetch.js'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
