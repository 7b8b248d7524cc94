// Imports the installed entry point named as argument (`@pgkeep/core` or `@pgkeep/core/engine`) and prints,
// as JSON, each V8 flag the import set, with whether zod's modules had run by then (zod marks globalThis
// when its core module runs), then "imported". Run by test/packaging.test.ts in the scratch project.
// node:v8's setFlagsFromString is watched, not replaced: the flags really are set.
import { syncBuiltinESMExports } from 'node:module'
import v8 from 'node:v8'

const [specifier] = process.argv.slice(2)
const seen = []
const setFlags = v8.setFlagsFromString
v8.setFlagsFromString = (flag) => {
  seen.push({ flag, zodHadRun: '__zod_globalConfig' in globalThis })
  setFlags(flag)
}
syncBuiltinESMExports()
await import(specifier)
seen.push({ flag: 'imported', zodHadRun: '__zod_globalConfig' in globalThis })
process.stdout.write(JSON.stringify(seen))
