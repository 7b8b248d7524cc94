// The first import of `@pgkeep/core` and `@pgkeep/core/engine`: it holds the dump's V8 settings
// (memory/dump-heap-flags.ts) while zod's modules and the library's own run, and lets go on the first
// microtask after they ran. Their functions and schemas (some 5 MB) survive the young generation's
// collections, and with V8's defaults the young generation doubles under them, from 2 × 4 MB to 2 × 8 MB;
// V8 does not give that back, so a dump's peak later holds all of it. Held, it stays at 2 × 4 MB. (What
// node does while it links the ES modules, before any of them runs, comes first: it reads the sources,
// pg's CommonJS ones too, which takes the young generation from 2 × 1 MB to 2 × 4 MB. pg itself runs
// after this module, in load-pg-without-fetch.ts.)
// Measured in plain node, six alternating runs each against the build without it: a schema-only dump of
// 20,000 relations peaked at 126–131 MB instead of 134–141 MB (bench/README.md, 2026-12-07). A host
// whose own modules already grew its young generation gains nothing; modules of the host's that run in the
// same tick as these load under the same settings.
// An entry of its own (tsup.config.ts) that the entry points import first, before zod: bundled into them,
// it would run after the modules they import.
import { holdDumpHeapFlags } from './memory/dump-heap-flags'

queueMicrotask(holdDumpHeapFlags(true))
