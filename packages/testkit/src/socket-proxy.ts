// A Unix socket in a folder libpq searches by default (/tmp), named for a port as PostgreSQL names its
// own (.s.PGSQL.<port>), that forwards every connection to a server's TCP port. It lets a test connect
// with `postgresql:///db?port=<port>` (no host: the default socket folder is looked up, as an app beside
// its database does) on any machine, whichever server the tests use.
import { existsSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'

export interface SocketProxy {
  /** The port the socket is named for: connect with `postgresql:///db?port=${port}`. */
  port: number
  /** The socket file. */
  path: string
  /** Connections forwarded so far (a test can show that its client really came through the socket). */
  readonly connections: number
  close(): Promise<void>
}

/** Listens on `<dir>/.s.PGSQL.<port>` for the first free port at or above 40000 and forwards to `target`. */
export async function startSocketProxy(target: { host: string; port: number }, dir = '/tmp'): Promise<SocketProxy> {
  const open = new Set<Socket>()
  let connections = 0
  const server = createServer((client) => {
    connections++
    const upstream = createConnection(target)
    open.add(client).add(upstream)
    const forget = (s: Socket) => s.once('close', () => open.delete(s))
    forget(client)
    forget(upstream)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  for (let port = 40000 + (process.pid % 5000); port < 65000; port++) {
    const path = join(dir, `.s.PGSQL.${port}`)
    if (existsSync(path)) continue
    if (await listen(server, path)) {
      return {
        port,
        path,
        get connections() {
          return connections
        },
        close: () =>
          new Promise<void>((resolve) => {
            for (const s of open) s.destroy()
            server.close(() => resolve())
          }),
      }
    }
  }
  throw new Error(`unable to find a free socket name in ${dir}`)
}

// --- internal ---

function listen(server: Server, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') resolve(false)
      else reject(new Error(`unable to listen on ${path}`, { cause: err }))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve(true)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(path)
  })
}
