// The parts of a package.json the packaging test reads, and the files and entry points it names.
export type ExportTarget = string | null | ExportTarget[] | { [condition: string]: ExportTarget }

export interface PackageManifest {
  name: string
  version?: string
  private?: boolean
  main?: string
  types?: string
  bin?: string | Record<string, string>
  exports?: ExportTarget
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

/** The subpaths of `exports` ('.', './http', …) with their targets; './package.json' and patterns left out. */
export function exportEntries(manifest: PackageManifest): [subpath: string, target: ExportTarget][] {
  const { exports } = manifest
  if (exports === undefined || exports === null) return []
  const isSubpathMap = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).every((k) => k.startsWith('.'))
  const entries: [string, ExportTarget][] = isSubpathMap ? Object.entries(exports) : [['.', exports]]
  return entries.filter(([subpath]) => subpath !== './package.json' && !subpath.includes('*'))
}

/** The specifier a user imports for a subpath: '@pgkeep/core' for '.', '@pgkeep/core/http' for './http'. */
export function specifierOf(name: string, subpath: string): string {
  return subpath === '.' ? name : `${name}/${subpath.slice(2)}`
}

/** Whether a require() of this target resolves: some condition other than `import` (and `types`) leads to a file. */
export function requireResolves(target: ExportTarget): boolean {
  if (typeof target === 'string') return true
  if (target === null) return false
  if (Array.isArray(target)) return target.some(requireResolves)
  return Object.entries(target).some(([condition, inner]) => condition !== 'import' && condition !== 'types' && requireResolves(inner))
}

/** Every file path a manifest points at: main, types, bin and all export targets, without './'. */
export function referencedFiles(manifest: PackageManifest): string[] {
  const paths = new Set<string>()
  const add = (target: ExportTarget | undefined): void => {
    if (typeof target === 'string') paths.add(target.replace(/^\.\//, ''))
    else if (Array.isArray(target)) target.forEach(add)
    else if (target) Object.values(target).forEach(add)
  }
  add(manifest.main)
  add(manifest.types)
  add(typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {}))
  add(manifest.exports)
  return [...paths].filter((path) => !path.includes('*'))
}

/** `name@range` of the peers a manifest marks optional (npm leaves them out; a typed app has them). */
export function optionalPeers(manifest: PackageManifest): string[] {
  return Object.entries(manifest.peerDependencies ?? {})
    .filter(([name]) => manifest.peerDependenciesMeta?.[name]?.optional === true)
    .map(([name, range]) => `${name}@${range}`)
}
