#!/usr/bin/env node
// Runs before `pnpm test` (and first in .ci/run): the system programs the tests use as references and
// oracles must be there before any test starts. What is missing is installed from the system packages
// where that can be done without asking (Debian or Ubuntu, as root or with password-less sudo);
// otherwise this stops within a second with the exact command to run. Exit 0: all present.
import { spawnSync } from 'node:child_process'

/** program → Debian package, and why the tests need it */
const TOOLS = [
  { program: 'psql', pkg: 'postgresql-client', why: 'restores dumps as the reference client' },
  { program: 'pg_dump', pkg: 'postgresql-client', why: 'the reference dumps pgkeep is compared with' },
  { program: 'pg_restore', pkg: 'postgresql-client', why: 'pg_restore -l, the reference for listScript()' },
  { program: 'pg_isready', pkg: 'postgresql-client', why: 'checks the local server in .ci/run' },
  { program: 'gzip', pkg: 'gzip', why: 'decompresses backups as users do' },
  { program: 'age', pkg: 'age', why: 'decrypts encrypted backups as users do' },
  { program: 'age-keygen', pkg: 'age', why: 'makes identities for the encryption tests' },
  { program: 'script', pkg: 'bsdutils', why: "answers age's passphrase prompt through a terminal" },
  { program: 'chromium', pkg: 'chromium', why: 'the browser the settings page is tested in' },
]

const missing = TOOLS.filter((t) => !onPath(t.program))
if (missing.length === 0) process.exit(0)

const packages = [...new Set(missing.map((t) => t.pkg))]
const names = missing.map((t) => `${t.program} (${t.why})`).join('\n  ')
process.stderr.write(`The tests need programs that are not installed:\n  ${names}\n`)

const root = process.getuid?.() === 0
const sudo = !root && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
if (onPath('apt-get') && (root || sudo)) {
  const asRoot = (args) => (root ? args : ['sudo', '-n', ...args])
  process.stderr.write(`Installing ${packages.join(' ')} from the system packages…\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const steps = [asRoot(['apt-get', 'update', '-qq']), asRoot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])]
  for (const [cmd, ...args] of steps) {
    // apt's progress goes to a buffer, shown only when the step fails
    const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 64 * 1024 * 1024 })
    if (result.status !== 0) {
      process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`)
      fail(`\`${[cmd, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal})`)
    }
  }
  const still = missing.filter((t) => !onPath(t.program))
  if (still.length > 0) fail(`still missing after the install: ${still.map((t) => t.program).join(', ')}`)
  process.stderr.write('Installed.\n')
  process.exit(0)
}
fail('install them and run the tests again')

// --- internal ---

function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0
}

function fail(reason) {
  const brew = { 'postgresql-client': 'libpq', gzip: 'gzip', age: 'age' }
  const formulae = packages.map((p) => brew[p]).filter(Boolean)
  const lines = [`Debian/Ubuntu: sudo apt-get install -y ${packages.join(' ')}`]
  if (formulae.length > 0) lines.push(`macOS (Homebrew): brew install ${formulae.join(' ')}`)
  if (packages.includes('chromium')) lines.push('macOS (Homebrew): brew install --cask chromium')
  process.stderr.write(`${reason}.\n  ${lines.join('\n  ')}\n`)
  process.exit(1)
}
