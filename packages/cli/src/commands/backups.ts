// `pgkeep list` and `pgkeep download`: the backup history in a folder or S3, and one backup's file.
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { createBackupManager, storageFromEnv } from '@pgkeep/core'
import { Command } from 'commander'
import { integer } from '../collect'

interface StorageFlags {
  dir?: string
  keyPrefix: string
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv; cwd: string }

function manager(io: Io, flags: StorageFlags) {
  const storage = storageFromEnv(flags.dir ? { ...io.env, PGKEEP_S3_BUCKET: '', PGKEEP_BACKUP_DIR: flags.dir } : io.env, io.cwd)
  return createBackupManager({ storage, keyPrefix: flags.keyPrefix, env: io.env })
}

export function listCommand(io: Io): Command {
  return new Command('list')
    .description('list the backups in a folder or S3, newest first')
    .option('--dir <path>', 'the folder (default: PGKEEP_BACKUP_DIR, S3 when PGKEEP_S3_BUCKET is set, else the current directory)')
    .option('--key-prefix <prefix>', 'folder of the backups inside the storage', 'backups/')
    .option('--limit <n>', 'at most this many', integer(1, 1_000_000))
    .option('--json', 'print the records as JSON')
    .action(async (flags: StorageFlags & { limit?: number; json?: boolean }) => {
      const records = await manager(io, flags).list(flags.limit ? { limit: flags.limit } : {})
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(records, null, 2)}\n`)
        return
      }
      for (const r of records) {
        io.stdout.write(`${r.id}  ${r.createdAt.toISOString()}  ${r.type.padEnd(9)}  ${String(r.size).padStart(12)}  ${r.storagePath}\n`)
      }
    })
}

export function downloadCommand(io: Io): Command {
  return new Command('download')
    .description('write a backup\'s .sql.gz to a file or stdout')
    .argument('<id>', 'the backup id (uuid)')
    .option('--dir <path>', 'the folder (default: PGKEEP_BACKUP_DIR, S3 when PGKEEP_S3_BUCKET is set, else the current directory)')
    .option('--key-prefix <prefix>', 'folder of the backups inside the storage', 'backups/')
    .option('-o, --output <file>', 'write here instead of stdout (appears only when complete)')
    .action(async (id: string, flags: StorageFlags & { output?: string }) => {
      const stream = await manager(io, flags).download(id)
      if (!flags.output) {
        await pipeline(stream, io.stdout as NodeJS.WritableStream, { end: false })
        return
      }
      const partial = `${flags.output}.partial`
      try {
        await pipeline(stream, createWriteStream(partial, { mode: 0o600 }))
        await rename(partial, flags.output)
      } catch (error) {
        await rm(partial, { force: true })
        throw error
      }
    })
}
