import { defineConfig } from 'tsup'

export default defineConfig({
  // version.ts alone as well: `pgkeep --version` prints it without loading the library; engine.ts, the
  // dump engine without the backup manager (what the command loads at start); hold-heap-while-loading.ts,
  // which the other two import first, so that it runs before the modules of pg and zod load.
  entry: ['src/index.ts', 'src/engine.ts', 'src/version.ts', 'src/hold-heap-while-loading.ts'],
  external: ['./hold-heap-while-loading.js'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
