// Makes sure servers started by this process do not outlive it: on 'exit' (and on SIGTERM/SIGHUP when
// nobody else handles them) each live server gets a fast shutdown, and its temporary folders are removed.
import { existsSync, rmSync } from 'node:fs'

export interface GuardedServer {
  pid: number
  /** postmaster.pid of the server: it disappears when the server has shut down cleanly. */
  pidFile: string
  /** Folders to remove once the server is down. */
  removeDirs: string[]
}

/** Registers a running server; call the returned function once it has been stopped normally. */
export function guardServer(server: GuardedServer): () => void {
  installHandlers()
  live.add(server)
  return () => live.delete(server)
}

// --- internal ---

const live = new Set<GuardedServer>()
let installed = false

function installHandlers(): void {
  if (installed) return
  installed = true
  process.on('exit', stopAllNow)
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    // only when nobody else owns the signal: adding a listener disables Node's default exit
    if (process.listenerCount(signal) > 0) continue
    process.once(signal, () => {
      stopAllNow()
      process.kill(process.pid, signal)
    })
  }
}

/** Synchronous, as 'exit' handlers must be: signal, wait up to 5 s for the pid files to vanish, clean up. */
function stopAllNow(): void {
  if (live.size === 0) return
  const servers = [...live]
  live.clear()
  for (const s of servers) signal(s.pid, 'SIGINT')
  const deadline = Date.now() + 5_000
  const pause = new Int32Array(new SharedArrayBuffer(4))
  while (servers.some((s) => existsSync(s.pidFile)) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50)
  for (const s of servers) {
    if (existsSync(s.pidFile)) {
      signal(s.pid, 'SIGKILL')
      continue
    }
    for (const dir of s.removeDirs) rmSync(dir, { recursive: true, force: true })
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}
