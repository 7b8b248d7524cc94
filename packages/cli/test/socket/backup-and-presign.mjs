// Run by unix-socket-s3.test.ts as its own node process, the way an app uses the built library: it
// first talks to `postgresql:///<db>` (the default socket folder) alone, as an app's first database
// work would, and only then touches S3 (minio is loaded on first S3 use): a manager with S3 from the
// environment makes a backup and hands out a presigned URL. Prints { id, sha256, url } as JSON.
import { Writable } from 'node:stream'
import { createBackupManager, dump, storageFromEnv } from '@pgkeep/core'

const [connection] = process.argv.slice(2)
await dump({ connection, schemaOnly: true }, new Writable({ write: (_chunk, _encoding, done) => done() }))
const backups = createBackupManager({ connection, storage: storageFromEnv() })
const record = await backups.create({ type: 'manual' })
const { url } = await backups.downloadUrl(record.id, { expiresIn: 300 })
process.stdout.write(JSON.stringify({ id: record.id, sha256: record.sha256, url }))
