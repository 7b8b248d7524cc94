// The two kinds of side a comparison reads: a stored backup (its manifest for tables and sequences,
// and only its definition members from storage: no row data is read) and a dump file or stream (read
// whole: entries, and each table's rows and COPY hash computed as it streams).
import { stat } from 'node:fs/promises'
import { chosenMembers, type ByteCounter } from '../backup/backup-source'
import { checkedMembers } from '../backup/checked-source'
import { definitionsSource } from '../crypto/encrypted-source'
import { PgkeepError } from '../errors'
import type { DecryptionKeys } from '../crypto/encryption-options'
import type { BackupManifest } from '../manifest/manifest'
import { openScript, type RestoreSource } from '../restore/open-source'
import type { StorageDriver } from '../storage/driver'
import type { DiffSide } from './backup-diff'
import { readDumpFacts } from './dump-facts'

/** `checked`: a signed backup, whose definition members are checked against the signed checksums as they are read. */
export async function backupSide(storage: StorageDriver, manifest: BackupManifest, keys: DecryptionKeys, counter: ByteCounter, checked = false): Promise<DiffSide> {
  const definitions = await definitionsSource(storage, manifest, counter, keys)
  const source = checked ? checkedMembers(definitions, manifest, chosenMembers(manifest, [], false)) : definitions
  const facts = await readDumpFacts(await openScript(source), false)
  return {
    label: manifest.id,
    facts,
    size: manifest.size,
    createdAt: manifest.createdAt,
    serverVersion: manifest.server.version,
    options: manifest.options,
    tables: manifest.tables.map(({ schema, name, rows, sha256 }) => ({ schema, name, rows, sha256 })),
    sequences: manifest.sequences,
  }
}

/** A dump file (plain or gzip) by path, or a Buffer or stream labelled `label`. */
export async function fileSide(source: RestoreSource, label: string): Promise<DiffSide> {
  if (typeof source === 'string') await checkFile(source)
  const counter = { bytes: 0 }
  const facts = await readDumpFacts(await openScript(source, counter), true)
  return { label, facts, size: counter.bytes }
}

// --- internal ---

async function checkFile(path: string): Promise<void> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
    throw new PgkeepError('OPTIONS_INVALID', `the dump file ${path} ${reason}`, { cause: error })
  }
  if (!info.isFile()) throw new PgkeepError('OPTIONS_INVALID', `the dump file ${path} is not a file`)
}
