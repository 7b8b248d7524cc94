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
    // Without comments and indentation the program's chunk is 1.56 MB instead of 2.05 MB, and ASCII (a few
    // comments held other characters, which made V8 keep the whole source as two bytes a character):
    // `pgkeep --help` peaks at 58.4 MB instead of 63.4 MB, a schema-only dump of 20,000 relations at
    // 121.6 MiB instead of 123.6 (five alternating runs). Names stay, and bin.js.map maps positions back.
    minifyWhitespace: true,
    // pg is CommonJS and requires node's own modules: an ES module has no `require` of its own
    banner: { js: "import { createRequire as pgkeepCreateRequire } from 'node:module'\nconst require = pgkeepCreateRequire(import.meta.url)" },
  },
])
