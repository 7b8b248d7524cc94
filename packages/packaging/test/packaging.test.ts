// The published packages as a user gets them: every public package in packages/* is packed with
// `pnpm pack`, the tarballs are installed together with npm into a scratch project outside the
// workspace, and that project uses them: an ES module app and a CommonJS app back up a real database,
// strict tsc compiles a typed consumer (nodenext, node16, bundler, and CommonJS under nodenext), every
// exported subpath loads and its types compile, and every command prints its version through npx.
// Packs the builds: run `pnpm build` first (`pnpm install` does, through prepare).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDatabase, runSql, type TestDatabase } from '@pgkeep/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { packPackage, type PackedPackage } from '../src/pack-package'
import { exportEntries, optionalPeers, referencedFiles, requireResolves, specifierOf, type PackageManifest } from '../src/package-manifest'
import { findPublicPackages, missingBuildFiles } from '../src/public-packages'
import { runChecked, runCommand, userEnv, type CommandResult } from '../src/run-command'

const server = inject('pgDefault')
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const packagesDir = join(repoRoot, 'packages')
const fixtures = fileURLToPath(new URL('../consumer', import.meta.url))
const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
/** The names of the workspace's private packages: no published manifest may depend on them. */
const privateNames = readdirSync(packagesDir)
  .map((dir) => { try { return JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as PackageManifest } catch { return undefined } })
  .filter((m): m is PackageManifest => m?.private === true)
  .map((m) => m.name)

const publicPackages = findPublicPackages(packagesDir)
/** Public packages that only ES modules load, each with the reason. */
const IMPORT_ONLY: Record<string, string> = {
  '@pgkeep/nuxt': 'a Nuxt module: Nuxt loads modules with import()',
}
let scratch: string
let app: string
let packed: PackedPackage[] = []
let db: TestDatabase

beforeAll(async () => {
  const unbuilt = publicPackages.flatMap((pkg) => missingBuildFiles(pkg).map((file) => `${pkg.manifest.name}: ${file}`))
  if (unbuilt.length > 0) {
    throw new Error(`the packaging test packs the builds, and these files are missing: run \`pnpm build\` first\n  ${unbuilt.join('\n  ')}`)
  }
  scratch = mkdtempSync(join(tmpdir(), 'pgkeep-packaging-'))
  const tarballs = join(scratch, 'tarballs')
  app = join(scratch, 'app')
  mkdirSync(tarballs)
  mkdirSync(app)
  for (const pkg of publicPackages) packed.push(await packPackage(pkg.dir, tarballs))

  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pgkeep-packaging-consumer', private: true, type: 'module' }, null, 2))
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(app, file))
  writeGeneratedConsumers()
  // one install of every tarball, with the TypeScript and Node types the workspace itself uses, and the
  // optional peers (such as a framework's @types package) that npm leaves out but a typed app has
  const tools = ['typescript', '@types/node'].map((name) => `${name}@${rootManifest.devDependencies[name]}`)
  const peers = [...new Set(packed.flatMap((p) => optionalPeers(p.manifest)))]
  await runChecked('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((p) => p.tarball), ...tools, ...peers], { cwd: app })

  db = await createDatabase(server.url, { prefix: 'packaging' })
  await runSql(db.url, `CREATE TABLE rooms (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO rooms SELECT g, 'room ' || g FROM generate_series(1, 42) g;`)
})

afterAll(async () => {
  await db?.drop()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

/** all-exports.mjs / .cjs load every exported subpath; all-exports.ts imports the types of each. */
function writeGeneratedConsumers(): void {
  const entries = packed.flatMap((p) => exportEntries(p.manifest).map(([subpath, target]) => ({ specifier: specifierOf(p.manifest.name, subpath), target })))
  const list = (specifiers: string[]): string => JSON.stringify(specifiers, null, 2)
  writeFileSync(join(app, 'all-exports.mjs'), `const loaded = {}
for (const specifier of ${list(entries.map((e) => e.specifier))}) loaded[specifier] = Object.keys(await import(specifier)).length
process.stdout.write(JSON.stringify(loaded))
`)
  writeFileSync(join(app, 'all-exports.cjs'), `const loaded = {}
for (const specifier of ${list(entries.filter((e) => requireResolves(e.target)).map((e) => e.specifier))}) loaded[specifier] = Object.keys(require(specifier)).length
process.stdout.write(JSON.stringify(loaded))
`)
  writeFileSync(join(app, 'all-exports.ts'), entries.map((e, i) => `import * as m${i} from '${e.specifier}'\n`).join('') + `export const modules = [${entries.map((_, i) => `m${i}`).join(', ')}]\n`)
  writeFileSync(join(app, 'tsconfig.exports.json'), JSON.stringify({
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] },
    files: ['all-exports.ts'],
  }, null, 2))
}

function node(args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, args, { cwd: app, env: userEnv() })
}

function npx(args: string[]): Promise<CommandResult> {
  return runCommand('npx', ['--no', '--', ...args], { cwd: app, env: userEnv() })
}

/**
 * stderr without the ExperimentalWarning some Node versions (22.12) print on the first require() of an
 * ES module: a notice of Node's, not a failure of the package.
 */
function stderrOf(run: CommandResult): string {
  return run.stderr
    .replace(/^\(node:\d+\) ExperimentalWarning: .*ES Modules?.*\n/gm, '')
    .replace(/^Support for loading ES Module in require\(\) .*\n/gm, '')
    .replace(/^\(Use `node --trace-warnings .*\n/gm, '')
}

/** Error lines of a tsc run ("file(line,col): error TSnnnn: …"), with their continuation lines. */
function tscErrors(out: string): string[] {
  return out.split(/\n(?=\S)/).map((s) => s.trim()).filter(Boolean)
}

const packedOf = (name: string): PackedPackage => {
  const found = packed.find((p) => p.manifest.name === name)
  if (!found) throw new Error(`${name} was not packed`)
  return found
}

describe('the public packages as a user installs them (pnpm pack, npm install of the tarballs)', () => {
  it('finds the public packages: core and cli at least, no private one', () => {
    const names = publicPackages.map((p) => p.manifest.name)
    expect(names).toEqual(expect.arrayContaining(['@pgkeep/core', '@pgkeep/cli']))
    expect(names).not.toContain('@pgkeep/testkit')
    expect(packed.map((p) => p.manifest.name)).toEqual(names)
  })

  it('packed package.json: versions instead of workspace ranges, no devDependencies, no private package, no source condition', () => {
    const versions = new Map(packed.map((p) => [p.manifest.name, p.manifest.version]))
    for (const { manifest } of packed) {
      const text = JSON.stringify(manifest)
      expect(text, manifest.name).not.toContain('workspace:')
      expect(text, manifest.name).not.toContain('@pgkeep/source')
      expect(manifest.devDependencies, manifest.name).toBeUndefined()
      for (const name of privateNames) expect(text, `${manifest.name} names ${name}`).not.toContain(`"${name}"`)
      const deps = { ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies }
      for (const [dep, range] of Object.entries(deps)) {
        if (dep.startsWith('@pgkeep/')) expect(range, `${manifest.name} -> ${dep}`).toBe(versions.get(dep))
      }
    }
    expect(packedOf('@pgkeep/core').manifest.dependencies).toHaveProperty('@types/pg')
  })

  it('every file a packed manifest names (main, types, bin, exports) is in its tarball', () => {
    for (const p of packed) {
      const absent = referencedFiles(p.manifest).filter((file) => !p.files.includes(file))
      expect(absent, p.manifest.name).toEqual([])
    }
  })

  const expectedUse = () => ({
    version: packedOf('@pgkeep/core').manifest.version,
    dumpTables: [['public.rooms', 42]],
    dumpHasData: true,
    backupRecords: 42,
    listed: true,
    downloadHasData: true,
    errorCode: 'OPTIONS_INVALID',
  })

  it('an ES module app imports @pgkeep/core: dump, backup to memoryStorage, download, PgkeepError', async () => {
    const run = await node(['esm.mjs', db.url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual(expectedUse())
  })

  it('a CommonJS app requires @pgkeep/core and does the same', async () => {
    const run = await node(['cjs.cjs', db.url])
    expect(stderrOf(run)).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual(expectedUse())
  })

  it('every exported subpath of every public package loads with import(), and with require() unless the package is listed as import-only', async () => {
    // CommonJS apps (most Express apps) require() the libraries: only a package listed here may be import-only
    for (const { manifest } of packed) {
      if (manifest.name in IMPORT_ONLY) continue
      const entries = exportEntries(manifest)
      expect(entries.map(([subpath]) => subpath), manifest.name).toContain('.')
      for (const [subpath, target] of entries) expect(requireResolves(target), `${specifierOf(manifest.name, subpath)} allows require`).toBe(true)
    }
    for (const file of ['all-exports.mjs', 'all-exports.cjs']) {
      const run = await node([file])
      expect(stderrOf(run), file).toBe('')
      expect(run.code, file).toBe(0)
      const loaded = JSON.parse(run.stdout) as Record<string, number>
      expect(loaded['@pgkeep/core'], file).toBeGreaterThan(10)
      expect(loaded['@pgkeep/cli'], file).toBeGreaterThan(0)
      for (const [specifier, keys] of Object.entries(loaded)) expect(keys, `${file}: ${specifier} has exports`).toBeGreaterThan(0)
    }
  })

  it("importing @pgkeep/core or @pgkeep/core/engine holds the dump's V8 settings while zod's modules and the library's run, and lets go after", async () => {
    // hold-heap-while-loading.ts: the young generation keeps its size while the library loads
    for (const specifier of ['@pgkeep/core', '@pgkeep/core/engine']) {
      const run = await node(['heap-hold.mjs', specifier])
      expect(run.stderr, specifier).toBe('')
      expect(run.code, specifier).toBe(0)
      // the scratch project's node runs without either flag: V8's defaults come back
      expect(JSON.parse(run.stdout), specifier).toEqual([
        { flag: '--semi-space-growth-factor=1', zodHadRun: false },
        { flag: '--heap-growing-percent=20', zodHadRun: false },
        { flag: '--semi-space-growth-factor=2', zodHadRun: true },
        { flag: '--heap-growing-percent=0', zodHadRun: true },
        { flag: 'imported', zodHadRun: true },
      ])
    }
  })

  it("importing @pgkeep/core or @pgkeep/core/engine loads pg without node's fetch implementation and leaves the host's navigator as it was", async () => {
    // load-pg-without-fetch.ts: pg's Cloudflare check, where Node 20 has no navigator, would build a fetch Response
    const nodeMajor = Number(process.versions.node.split('.')[0])
    for (const specifier of ['@pgkeep/core', '@pgkeep/core/engine']) {
      const plain = await node(['pg-without-fetch.mjs', specifier, db.url])
      expect(stderrOf(plain), specifier).toBe('')
      expect(plain.code, specifier).toBe(0)
      // Node 21 and later define navigator themselves; on Node 20 the import must not leave one behind
      expect(JSON.parse(plain.stdout), specifier).toEqual({ undiciLoaded: false, navigatorKept: true, navigatorNow: nodeMajor >= 21 ? 'object' : 'undefined', answer: 42 })
      const hosted = await node(['--import', './host-navigator.mjs', 'pg-without-fetch.mjs', specifier, db.url])
      expect(stderrOf(hosted), specifier).toBe('')
      expect(JSON.parse(hosted.stdout), specifier).toEqual({ undiciLoaded: false, navigatorKept: true, navigatorNow: 'object', answer: 42 })
    }
  })

  for (const config of ['nodenext', 'node16', 'bundler']) {
    it(`strict tsc (skipLibCheck off) over a typed consumer of @pgkeep/core, ${config} resolution`, async () => {
      const run = await npx(['tsc', '-p', `tsconfig.${config}.json`])
      expect(tscErrors(run.stdout + run.stderr)).toEqual([])
      expect(run.code).toBe(0)
    })
  }

  it("the types of every exported subpath compile without errors in pgkeep's own declaration files", async () => {
    // skipLibCheck is off; errors inside other packages' declarations (a framework's optional peers) are theirs
    const run = await npx(['tsc', '-p', 'tsconfig.exports.json'])
    const ours = tscErrors(run.stdout + run.stderr).filter((e) => e.startsWith('all-exports.ts') || e.startsWith('node_modules/@pgkeep/'))
    expect(ours).toEqual([])
    expect(run.stdout + run.stderr).not.toMatch(/error TS5\d\d\d/)
  })

  it('the installed pgkeep command (one bundle with its chunks) dumps the throwaway database', async () => {
    const run = await npx(['pgkeep', 'dump', db.url, '--restrict-key', 'packaging'])
    expect(stderrOf(run)).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('CREATE TABLE public.rooms')
    expect(run.stdout).toMatch(/COPY public\.rooms \([^)]*\) FROM stdin;\n(?:[^\n]*\n){42}\\\.\n/)
  })

  it('npx <command> --version prints the version of the package that ships the command (npx pgkeep --version)', async () => {
    const commands = packed.flatMap((p) => Object.keys(typeof p.manifest.bin === 'string' ? { [p.manifest.name.split('/').pop()!]: '' } : p.manifest.bin ?? {}).map((bin) => ({ bin, version: p.manifest.version })))
    expect(commands.map((c) => c.bin)).toContain('pgkeep')
    for (const { bin, version } of commands) {
      const run = await npx([bin, '--version'])
      expect(run.code, bin).toBe(0)
      expect(run.stdout.trim(), bin).toBe(version)
    }
  })
})
