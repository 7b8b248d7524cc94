// The control of unix-socket-s3.test.ts: a plain fs.statSync() of a socket file, then the lazy import
// pgkeep does on first S3 use. Prints "imported" or the import's error code.
import { statSync } from 'node:fs'

// minio where @pgkeep/core finds it: pnpm links it into core's node_modules, its own dependencies beside it
const minio = new URL('../node_modules/minio/dist/esm/minio.mjs', import.meta.resolve('@pgkeep/core'))
statSync(process.argv[2])
try {
  await import(minio.href)
  process.stdout.write('imported')
} catch (err) {
  process.stdout.write(String(err.code))
}
