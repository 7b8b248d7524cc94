// Asks the OS for a TCP port on 127.0.0.1 that is free right now (it may be taken again before use,
// so callers that bind it later should retry on "address in use").
import { createServer } from 'node:net'

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', (err) => reject(new Error('unable to find a free tcp port on 127.0.0.1', { cause: err })))
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('unable to find a free tcp port on 127.0.0.1'))))
    })
  })
}
