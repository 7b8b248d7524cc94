// A tiny PostgreSQL wire-protocol server for password tests (the local servers use trust auth):
// refuses SSL, asks for a cleartext password, accepts only `password`. Records what clients sent.
import { createServer, type Server, type Socket } from 'node:net'

export interface FakeServer {
  readonly port: number
  /** Startup parameters and the password (or undefined) of every session, in order. */
  readonly sessions: { params: Record<string, string>; password?: string; sslRequested: boolean }[]
  /** Connections accepted, refused SSL requests included. */
  readonly connections: number
  close(): Promise<void>
}

export async function startFakeServer(password: string): Promise<FakeServer> {
  const sessions: FakeServer['sessions'] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serve(socket, password, sessions)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    sessions,
    get connections() {
      return connections
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

function serve(socket: Socket, expected: string, sessions: FakeServer['sessions']): void {
  let buffer = Buffer.alloc(0)
  let stage: 'startup' | 'password' | 'ready' = 'startup'
  let session: FakeServer['sessions'][number] | undefined
  let sslRequested = false
  socket.on('error', () => {})
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    for (;;) {
      if (stage === 'ready') return void socket.end()
      if (stage === 'startup') {
        if (buffer.length < 8) return
        const length = buffer.readInt32BE(0)
        if (buffer.length < length) return
        const code = buffer.readInt32BE(4)
        const body = buffer.subarray(8, length)
        buffer = buffer.subarray(length)
        if (code === 80877103) {
          sslRequested = true
          socket.write('N')
          continue
        }
        const parts = body.toString('utf8').split('\0')
        const params: Record<string, string> = {}
        for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]!] = parts[i + 1]!
        session = { params, sslRequested }
        sessions.push(session)
        socket.write(message('R', int32(3)))
        stage = 'password'
      } else {
        if (buffer.length < 5) return
        const length = buffer.readInt32BE(1)
        if (buffer.length < length + 1) return
        const type = String.fromCharCode(buffer[0]!)
        const body = buffer.subarray(5, length + 1)
        buffer = buffer.subarray(length + 1)
        if (type !== 'p') return void socket.destroy()
        const given = body.toString('utf8').replace(/\0$/, '')
        session!.password = given
        if (given === expected) {
          socket.write(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I'))]))
          // After login the client only sends queries or Terminate: close on anything.
          stage = 'ready'
          return
        }
        const user = session!.params.user ?? ''
        const fields = ['SFATAL', 'VFATAL', 'C28P01', `Mpassword authentication failed for user "${user}"`]
        socket.end(message('E', Buffer.from(`${fields.join('\0')}\0\0`)))
        return
      }
    }
  })
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body])
}
