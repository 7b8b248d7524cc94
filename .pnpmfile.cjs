// pnpm hooks of the workspace. beforePacking shapes the package.json that `pnpm pack` and
// `pnpm publish` put into a tarball: a user installs only what the published manifest names, so
// devDependencies go (they name the private @pgkeep/testkit, which no registry has), and so do the
// "@pgkeep/source" export conditions (they point at src/, which the tarball does not contain).
'use strict'

const SOURCE_CONDITION = '@pgkeep/source'

function withoutSourceCondition(target) {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return target
  const out = {}
  for (const [key, value] of Object.entries(target)) {
    if (key !== SOURCE_CONDITION) out[key] = withoutSourceCondition(value)
  }
  return out
}

function beforePacking(pkg) {
  delete pkg.devDependencies
  if (pkg.exports !== undefined) pkg.exports = withoutSourceCondition(pkg.exports)
  return pkg
}

module.exports = { hooks: { beforePacking } }
