// A TCP server on 127.0.0.1 that accepts every connection and never answers: what a client meets at a
// wrong port or behind a stalled proxy (no SMTP greeting, no PostgreSQL handshake). It reads and drops
// what clients send, so that a client closing its end closes the connection here too and is counted.
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'

export interface SilentServer {
  port: number
  /** Connections accepted so far. */
  connections: number
  /** Accepted connections whose client has closed them since. */
  closed: number
  /** Resolves once `count` connections were accepted. */
  accepted(count?: number): Promise<void>
  close(): Promise<void>
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets: Socket[] = []
  let closed = 0
  const waiting: { count: number; resolve: () => void }[] = []
  const server: Server = createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    socket.on('close', () => closed++)
    socket.resume()
    for (const w of waiting.filter((w) => sockets.length >= w.count)) w.resolve()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    port,
    get connections() {
      return sockets.length
    },
    get closed() {
      return closed
    },
    accepted: (count = 1) => (sockets.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve }))),
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
