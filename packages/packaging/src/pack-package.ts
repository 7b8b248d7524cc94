// `pnpm pack` of one workspace package, the way it would be published: workspace: ranges rewritten to
// versions and the package.json shaped by the workspace's beforePacking hook (.pnpmfile.cjs).
import { spawnSync } from 'node:child_process'
import type { PackageManifest } from './package-manifest'
import { runChecked, userEnv } from './run-command'

export interface PackedPackage {
  tarball: string
  /** The package.json inside the tarball. */
  manifest: PackageManifest
  /** Paths inside the tarball, without the leading 'package/'. */
  files: string[]
}

export async function packPackage(dir: string, destination: string): Promise<PackedPackage> {
  const { stdout } = await runChecked('pnpm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: dir,
    env: userEnv({ COREPACK_INTEGRITY_KEYS: process.env.COREPACK_INTEGRITY_KEYS ?? '0' }),
  })
  const tarball = (JSON.parse(stdout) as { filename: string }).filename
  return { tarball, manifest: JSON.parse(tarEntry(tarball, 'package/package.json')) as PackageManifest, files: tarList(tarball) }
}

function tarList(tarball: string): string[] {
  return tar(['-tzf', tarball]).split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''))
}

function tarEntry(tarball: string, path: string): string {
  return tar(['-xzOf', tarball, path])
}

function tar(args: string[]): string {
  const result = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${result.stderr || result.error?.message}`)
  return result.stdout
}
