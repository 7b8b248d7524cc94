// One schema-only dump through the library in a plain node process (no CLI, no node flags), the way a
// Nuxt or Express server runs it: `node bench/library-dump.mjs <url> <file>`.
import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import { dump } from '../packages/core/dist/index.js'

const [url, file] = process.argv.slice(2)
const out = createWriteStream(file)
await dump({ connection: url, schemaOnly: true }, out)
out.end()
await finished(out)
