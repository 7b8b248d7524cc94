import { defineConfig } from 'tsup'

export default defineConfig({
  // version.ts alone as well: `pgkeep --version` prints it without loading the library; engine.ts, the
  // dump engine without the backup manager (what the command loads at start).
  entry: ['src/index.ts', 'src/engine.ts', 'src/version.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
