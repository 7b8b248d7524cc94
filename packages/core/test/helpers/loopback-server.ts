// A loopback HTTP server that plays an S3 endpoint misbehaving (answers that begin and go silent): it
// keeps the connections it accepted and counts those that closed, so a test can check that the driver
// gave a stalled socket up; stop() destroys what is still open and closes the server.
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface LoopbackServer {
  port: number
  /** Connections the server accepted. */
  sockets: Socket[]
  /** How many of them are closed. */
  closed(): number
  stop(): Promise<void>
}

export async function startLoopbackServer(handler: RequestListener): Promise<LoopbackServer> {
  const sockets: Socket[] = []
  let closed = 0
  const server = createServer(handler)
  server.on('connection', (socket) => {
    sockets.push(socket)
    socket.on('close', () => closed++)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    closed: () => closed,
    stop: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}
