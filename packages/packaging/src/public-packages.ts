// The packages a user can install: every packages/*/package.json that is not `"private": true`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PackageManifest } from './package-manifest'
import { referencedFiles } from './package-manifest'

export interface WorkspacePackage {
  dir: string
  manifest: PackageManifest
}

export function findPublicPackages(packagesDir: string): WorkspacePackage[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => {
      const dir = join(packagesDir, entry.name)
      return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest }
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
}

/** The files a package's manifest names that its build has not produced (empty when built). */
export function missingBuildFiles(pkg: WorkspacePackage): string[] {
  return referencedFiles(pkg.manifest).filter((path) => !existsSync(join(pkg.dir, path)))
}
