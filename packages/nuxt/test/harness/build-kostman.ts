// Builds what the KostMan server runs: this module's dist (nuxt-module-build) and the example's
// `.output` (nuxi build, which bundles @pgkeep/core from its sources). Each build is skipped while a
// stamp of its input files (paths, sizes, mtimes) is unchanged, so a test run builds at most once and
// later runs reuse the output. A lock folder keeps two test processes from building at the same time.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const NUXT_PACKAGE_DIR = resolve(here, '../..')
export const CORE_DIR = resolve(NUXT_PACKAGE_DIR, '../core')
export const KOSTMAN_DIR = resolve(NUXT_PACKAGE_DIR, '../../examples/nuxt-kostman')

const SKIP = new Set(['node_modules', 'dist', '.nuxt', '.output', '.data', 'test'])

/** The example's `.output` folder, built (or reused) with this module's and core's current sources. */
export async function buildKostman(log: (line: string) => void = (line) => process.stderr.write(`[kostman] ${line}\n`)): Promise<string> {
  return withLock(async () => {
    const moduleInputs = stamp([join(NUXT_PACKAGE_DIR, 'src'), join(NUXT_PACKAGE_DIR, 'package.json')])
    const moduleStamp = join(NUXT_PACKAGE_DIR, 'dist', '.pgkeep-stamp')
    if (!sameStamp(moduleStamp, moduleInputs)) {
      log('building @pgkeep/nuxt (nuxt-module-build build)')
      await run(join(NUXT_PACKAGE_DIR, 'node_modules', '.bin', 'nuxt-module-build'), ['build'], NUXT_PACKAGE_DIR)
      writeFileSync(moduleStamp, moduleInputs)
    }
    const outputDir = join(KOSTMAN_DIR, '.output')
    const appInputs = stamp([join(NUXT_PACKAGE_DIR, 'dist'), join(CORE_DIR, 'src'), KOSTMAN_DIR])
    const appStamp = join(outputDir, '.pgkeep-stamp')
    if (!sameStamp(appStamp, appInputs)) {
      log('building the KostMan example (nuxi build)')
      const t0 = Date.now()
      await run(join(KOSTMAN_DIR, 'node_modules', '.bin', 'nuxi'), ['build'], KOSTMAN_DIR)
      writeFileSync(appStamp, appInputs)
      log(`built in ${Math.round((Date.now() - t0) / 1000)} s`)
    }
    return outputDir
  })
}

function stamp(roots: string[]): string {
  const hash = createHash('sha256')
  const visit = (path: string) => {
    const s = statSync(path, { throwIfNoEntry: false })
    if (!s) return
    if (s.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIP.has(name) || path === join(NUXT_PACKAGE_DIR, 'dist')) visit(join(path, name))
      return
    }
    if (path.endsWith('.pgkeep-stamp')) return
    hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`)
  }
  for (const root of roots) visit(root)
  return hash.digest('hex')
}

function sameStamp(file: string, value: string): boolean {
  return existsSync(file) && readFileSync(file, 'utf8') === value
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), 'pgkeep-kostman-build.lock')
  const deadline = Date.now() + 15 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      break
    } catch {
      const pid = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0)
      if (pid && !alive(pid)) rmSync(lock, { recursive: true, force: true })
      else if (Date.now() > deadline) throw new Error(`the KostMan build lock ${lock} is held by process ${pid}`)
      else await new Promise((r) => setTimeout(r, 500))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const output: string[] = []
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} in ${cwd} exited with ${code}:\n${output.join('').slice(-8000)}`))))
  })
}
