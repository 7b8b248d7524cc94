// What someone who can write the storage but lacks the signing key can do to a chain: give a stored
// backup's manifest a `changes` naming a slot, as a chain base would (no new signature), so that it is
// unsigned or tampered with under the key. For the tests of what the manager does with such a base.
import { Readable } from 'node:stream'
import { manifestKeyOf } from '../../src/backup/backup-name'
import type { StorageDriver } from '../../src/index'
import { readObject } from '../helpers/read-object'

export async function plantChain(storage: StorageDriver, storagePath: string, slot: string): Promise<void> {
  const key = manifestKeyOf(storagePath)
  const manifest = JSON.parse((await readObject(storage, key)).toString('utf8')) as Record<string, unknown>
  manifest.changes = { slot, publication: 'pgkeep_archive', startLsn: '0/1000000' }
  await storage.put(key, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]))
}
