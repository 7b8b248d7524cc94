import { defineConfig } from 'tsup'

export default defineConfig([
  {
    // the programmatic entry: @pgkeep/core, pg and zod stay the caller's own modules
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The command: its modules in a few files instead of ~250 (zod alone is 106), which node resolves,
    // reads and compiles at every start: `pgkeep --help` 0.36–0.38 s → 0.31–0.32 s. What a command needs only
    // sometimes (minio, age-encryption, nodemailer) stays in chunks of its own, loaded on first use.
    entry: ['src/bin.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    noExternal: [/.*/],
    // pg's optional native binding, never installed with pgkeep; pg loads it only on request
    external: ['pg-native'],
    // pg is CommonJS and requires node's own modules: an ES module has no `require` of its own
    banner: { js: "import { createRequire as pgkeepCreateRequire } from 'node:module'\nconst require = pgkeepCreateRequire(import.meta.url)" },
  },
])
