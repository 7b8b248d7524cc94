// Imports the installed entry point named as argument (`@pgkeep/core` or `@pgkeep/core/engine`) and prints,
// as JSON, what the import left behind: whether node's fetch implementation (undici) was loaded, whether
// `globalThis.navigator` is the one the process had before (or still missing), and whether pg answers a
// query through the library. Run by test/packaging.test.ts in the scratch project, once as it is and once
// with a host's own `navigator` defined first (`--import ./host-navigator.mjs`).
const [specifier, url] = process.argv.slice(2)
const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
const { connect, resolveConnection } = await import(specifier)
const after = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
const client = await connect(resolveConnection(url))
const { rows } = await client.query('SELECT 41 + 1 AS answer')
await client.end()
process.stdout.write(JSON.stringify({
  undiciLoaded: process.moduleLoadList.some((name) => name.includes('undici')),
  navigatorKept: before?.value === after?.value && before?.get === after?.get,
  navigatorNow: typeof globalThis.navigator,
  answer: rows[0].answer,
}))
