import { defineConfig } from 'tsup'

export default defineConfig({
  // version.ts alone as well: `pgkeep --version` prints it without loading the library.
  entry: ['src/index.ts', 'src/version.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
