// Runs initdb for an embedded server: superuser `postgres`, trust auth, UTF8, and a UTF-8 C locale
// (`C.UTF-8`, falling back to plain `C` where the OS lacks it) so sorting never depends on the machine.
import { spawn } from 'node:child_process'
import { readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { EmbeddedBinaries } from './embedded-binaries'
import type { ServerUser } from './server-user'

export async function initCluster(a: {
  binaries: EmbeddedBinaries
  dataDir: string
  cwd: string
  user: ServerUser | undefined
  log: (line: string) => void
}): Promise<void> {
  let output = ''
  for (const locale of ['C.UTF-8', 'C']) {
    const args = ['-D', a.dataDir, '--username=postgres', '--auth=trust', '--encoding=UTF8', `--locale=${locale}`, '--no-sync']
    const result = await run(a.binaries.initdb, args, a)
    if (result.code === 0) return
    output = result.output
    if (!/invalid locale|locale .* not supported|could not .* locale/i.test(output)) break
    emptyDir(a.dataDir)
  }
  const hint = /error while loading shared libraries/.test(output)
    ? ' (the binary package install script did not run: allow it, e.g. pnpm onlyBuiltDependencies)'
    : a.user && /permission denied|EACCES/i.test(output)
      ? ` (initdb runs as the os user "postgres" because this process is root: every folder above the binaries and the data folder must be searchable by it${blocking(a.binaries.initdb, a.dataDir, a.user)})`
      : ''
  throw new Error(`unable to initialise embedded postgres ${a.binaries.major} in ${a.dataDir}${hint}:\n${output.trim()}`)
}

// --- internal ---

function run(
  file: string,
  args: string[],
  a: { cwd: string; user: ServerUser | undefined; log: (line: string) => void },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: a.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(a.user ? { uid: a.user.uid, gid: a.user.gid } : {}),
    })
    let output = ''
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output += text
      for (const line of text.split('\n')) if (line.trim() !== '') a.log(line)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('error', (err) => resolve({ code: -1, output: `${output}\nspawn failed: ${err.message}` }))
    child.once('close', (code) => resolve({ code: code ?? -1, output }))
  })
}

/** The first folder above `paths` that the server user may not enter, as a hint with the command that opens it. */
function blocking(binary: string, dataDir: string, user: ServerUser): string {
  for (const path of [binary, dataDir]) {
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const st = statSync(dir)
        const searchable = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001
        if (!searchable) return `; ${dir} is not (run \`chmod o+x ${dir}\`, clone elsewhere, or set TEST_DATABASE_URL)`
      } catch {
        // cannot tell
      }
    }
  }
  return ''
}

function emptyDir(dir: string): void {
  try {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true })
  } catch {
    // nothing to empty
  }
}
