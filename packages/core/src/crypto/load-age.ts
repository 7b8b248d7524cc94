// age-encryption (typage and its noble ciphers, ~16 MB of RSS and 50 ms of CPU to load) is imported on
// first use: a dump, a schema-only run or `pgkeep --version` never encrypts, so importing @pgkeep/core
// does not load it.
export function loadAge(): Promise<typeof import('age-encryption')> {
  return import('age-encryption')
}
