// The SQL fixture corpus in packages/core/test/fixtures: lists the files with the header each opens with
// (`-- pgkeep-fixture: min-major=N [flags]`), picks those a server major can load, and loads them with psql
// (00-roles.sql first: the cluster-wide roles the other files own objects as and grant to).
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverMajor, withClient } from './database'

export interface Fixture {
  /** File name without `.sql`, e.g. `02-types`. */
  name: string
  /** Absolute path of the file. */
  file: string
  /** Oldest PostgreSQL major the file loads on. */
  minMajor: number
  /** Other words of the header line, e.g. `roles`. */
  flags: string[]
  /** The comment block under the header: what the file holds. */
  description: string
}

export interface LoadFixturesOptions {
  /** Major of the server behind `url`; asked from the server when left out. */
  major?: number
}

/** The folder holding the fixture files. */
export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../core/test/fixtures')

/** The file every load runs first. */
export const ROLES_FIXTURE = '00-roles'

/** Every fixture but the roles file, in load order (by file name). */
export function listFixtures(): Fixture[] {
  return allFixtures().filter((f) => f.name !== ROLES_FIXTURE)
}

/** The fixtures a server of this major can load, in load order. */
export function fixturesFor(major: number): Fixture[] {
  return listFixtures().filter((f) => f.minMajor <= major)
}

/**
 * Loads fixtures into the (empty) database at `url`: 00-roles first, then the named fixtures in load order,
 * or, without names, every fixture the server's major can load. Names may be given as `02-types`,
 * `02-types.sql` or `types`. Rejects naming the file and psql's first ERROR line.
 * @example
 * const db = await createDatabase(inject('pgDefault').url, { prefix: 'fx' })
 * await loadFixtures(db.url, ['02-types', '05-constraints'])
 * @returns the fixtures loaded, roles file excluded
 */
export async function loadFixtures(url: string, names?: readonly string[], opts: LoadFixturesOptions = {}): Promise<Fixture[]> {
  const major = opts.major ?? (await withClient(url, serverMajor))
  const available = listFixtures()
  let selected: Fixture[]
  if (names === undefined) {
    selected = available.filter((f) => f.minMajor <= major)
  } else {
    const wanted = new Set(names.map((n) => findFixture(available, n).name))
    selected = available.filter((f) => wanted.has(f.name))
    const tooNew = selected.filter((f) => f.minMajor > major)
    if (tooNew.length > 0) {
      const list = tooNew.map((f) => `${f.name} (needs ${f.minMajor})`).join(', ')
      throw new Error(`unable to load fixtures on PostgreSQL ${major}: ${list}`)
    }
  }
  const roles = allFixtures().find((f) => f.name === ROLES_FIXTURE)
  if (roles === undefined) throw new Error(`unable to find ${ROLES_FIXTURE}.sql in ${FIXTURES_DIR}`)
  for (const fixture of [roles, ...selected]) await runFixture(url, fixture)
  return selected
}

// --- internal ---

const HEADER = /^--\s*pgkeep-fixture:(.*)$/

function allFixtures(): Fixture[] {
  let files: string[]
  try {
    files = readdirSync(FIXTURES_DIR).filter((f) => /^\d\d-.+\.sql$/.test(f)).sort()
  } catch (err) {
    throw new Error(`unable to list the fixtures in ${FIXTURES_DIR}`, { cause: err })
  }
  return files.map((f) => readFixture(join(FIXTURES_DIR, f)))
}

function readFixture(file: string): Fixture {
  const name = basename(file, '.sql')
  const lines = readFileSync(file, 'utf8').split('\n')
  const headerAt = lines.slice(0, 5).findIndex((l) => HEADER.test(l))
  if (headerAt < 0) throw new Error(`unable to read fixture ${name}: no "-- pgkeep-fixture:" line at its top`)
  let minMajor: number | undefined
  const flags: string[] = []
  for (const word of HEADER.exec(lines[headerAt]!)![1]!.trim().split(/\s+/).filter(Boolean)) {
    const m = /^min-major=(\d+)$/.exec(word)
    if (m) minMajor = Number(m[1])
    else flags.push(word)
  }
  if (minMajor === undefined) throw new Error(`unable to read fixture ${name}: its header has no min-major=N`)
  const description: string[] = []
  for (const line of lines.slice(headerAt + 1)) {
    if (!line.startsWith('--')) break
    description.push(line.replace(/^--\s?/, ''))
  }
  return { name, file, minMajor, flags, description: description.join(' ').replace(/\s+/g, ' ').trim() }
}

function findFixture(available: Fixture[], wanted: string): Fixture {
  const key = wanted.endsWith('.sql') ? wanted.slice(0, -4) : wanted
  const found = available.find((f) => f.name === key) ?? available.find((f) => f.name.slice(3) === key)
  if (found) return found
  throw new Error(`unable to find fixture "${wanted}"; there are: ${available.map((f) => f.name).join(', ')}`)
}

/** psql -X -q -v ON_ERROR_STOP=1 -d URL -f FILE, with the client encoding pinned to the files' UTF-8. */
function runFixture(url: string, fixture: Fixture): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', fixture.file], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PGCLIENTENCODING: 'UTF8' },
    })
    const stderr: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => stderr.push(c))
    child.once('error', (err) => reject(new Error(`unable to load fixture ${fixture.name}: psql could not be run`, { cause: err })))
    child.once('close', (code, signal) => {
      if (code === 0) return resolvePromise()
      const text = Buffer.concat(stderr).toString('utf8')
      const first = text.split('\n').find((l) => /\b(ERROR|FATAL|PANIC):/.test(l))?.trim() ?? (text.trim() || `psql exited with ${code ?? signal}`)
      // psql names the file by its full path; the file name is enough
      reject(new Error(`unable to load fixture ${fixture.name}: ${first.replace(/^psql:[^\n]*?([^/\\]+\.sql):/, '$1:')}`))
    })
  })
}
