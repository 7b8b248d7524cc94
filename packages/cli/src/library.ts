// The library beyond the dump engine (@pgkeep/core: the backup manager, restore, diff, keys), imported on
// first use. The command starts with @pgkeep/core/engine alone, so that `pgkeep dump` and `pgkeep --help`
// do not load and compile the rest (bench/README.md, "Loading the library on demand").
export type Library = typeof import('@pgkeep/core')

export function library(): Promise<Library> {
  return import('@pgkeep/core')
}
