// The oracle for the splitter tests: the local psql itself. A fake PostgreSQL server on 127.0.0.1 records
// the exact text of every simple Query psql sends and the exact bytes of every COPY FROM STDIN, answers
// each with success, and reports `standard_conforming_strings` / `client_encoding` changes the way a real
// server does (ParameterStatus), since psql's lexer follows the server-reported value.
import { spawn } from 'node:child_process'
import { createServer, type Socket } from 'node:net'
import type { Flat } from './helpers'

export type CapturedItem =
  | { kind: 'query'; sql: string }
  | { kind: 'copy'; sql: string; data: Buffer }
  | { kind: 'connect'; database: string }

export interface CaptureResult {
  items: CapturedItem[]
  /** psql's exit code and stderr, for tests that expect psql to complain. */
  code: number | null
  stderr: string
}

/** Runs `psql -X -q -f -` on `script` against a fake server and returns what reached the server, in order. */
export async function capturePsql(script: Buffer | string, extraArgs: string[] = []): Promise<CaptureResult> {
  const items: CapturedItem[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serveConnection(socket, items, ++connections > 1)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  try {
    const args = ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'oracle', '-d', 'oracle', ...extraArgs, '-f', '-']
    const child = spawn('psql', args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, PGSSLMODE: 'disable', PGGSSENCMODE: 'disable', PGCLIENTENCODING: 'UTF8', PGPASSWORD: '', PGCONNECT_TIMEOUT: '10' },
    })
    const stderr: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => stderr.push(c))
    child.stdin.on('error', () => {})
    child.stdin.end(typeof script === 'string' ? Buffer.from(script, 'utf8') : script)
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (c) => resolve(c))
    })
    return { items, code, stderr: Buffer.concat(stderr).toString('utf8') }
  } finally {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export type Wire = { kind: 'statement'; sql: string } | { kind: 'copy'; sql: string; data: string } | { kind: 'connect' }

/** What psql sent, in the comparable form. */
export function fromWire(items: CapturedItem[]): Wire[] {
  const out: Wire[] = []
  for (const item of items) {
    if (item.kind === 'connect') out.push({ kind: 'connect' })
    else if (item.kind === 'copy') out.push({ kind: 'copy', sql: item.sql, data: item.data.toString('latin1').replace(/\\\.(\r?\n)?$/, '') })
    else if (!isCommentOnly(item.sql)) out.push({ kind: 'statement', sql: item.sql })
  }
  return out
}

/** What the splitter gave, in the same form. */
export function toWire(items: Flat[]): Wire[] {
  const out: Wire[] = []
  for (const item of items) {
    if (item.kind === 'statement') out.push({ kind: 'statement', sql: item.sql })
    else if (item.kind === 'copy') out.push({ kind: 'copy', sql: item.sql, data: item.data })
    else if (item.command === 'c' || item.command === 'connect') out.push({ kind: 'connect' })
  }
  return out
}

function isCommentOnly(sql: string): boolean {
  return /^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*$/.test(sql)
}

// --- internal ---

function serveConnection(socket: Socket, items: CapturedItem[], reconnect: boolean): void {
  let pending = Buffer.alloc(0)
  let started = false
  let copy: { sql: string; parts: Buffer[] } | null = null
  const send = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5)
    head.write(type, 0, 'latin1')
    head.writeInt32BE(body.length + 4, 1)
    socket.write(Buffer.concat([head, body]))
  }
  const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])])
  const status = (name: string, value: string) => send('S', Buffer.concat([cstr(name), cstr(value)]))
  const ready = () => send('Z', Buffer.from('I'))
  const complete = (tag: string) => send('C', cstr(tag))

  socket.setNoDelay(true) // one small reply per query: without this, Nagle plus delayed ACKs cost 40 ms each
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    for (;;) {
      if (!started) {
        if (pending.length < 4) return
        const len = pending.readInt32BE(0)
        if (pending.length < len) return
        const body = pending.subarray(4, len)
        pending = pending.subarray(len)
        const code = body.readInt32BE(0)
        if (code === 80877103 || code === 80877104) {
          socket.write('N') // no SSL, no GSS encryption
          continue
        }
        const params = body.subarray(4).toString('utf8').split('\0')
        const database = params[params.indexOf('database') + 1] ?? ''
        if (reconnect) items.push({ kind: 'connect', database })
        started = true
        send('R', Buffer.from([0, 0, 0, 0]))
        status('server_version', '15.20')
        status('server_encoding', 'UTF8')
        status('client_encoding', 'UTF8')
        status('standard_conforming_strings', 'on')
        status('DateStyle', 'ISO, MDY')
        status('integer_datetimes', 'on')
        status('is_superuser', 'on')
        status('session_authorization', 'oracle')
        const key = Buffer.alloc(8)
        key.writeInt32BE(4242, 0)
        send('K', key)
        ready()
        continue
      }
      if (pending.length < 5) return
      const type = String.fromCharCode(pending[0]!)
      const len = pending.readInt32BE(1)
      if (pending.length < len + 1) return
      const body = pending.subarray(5, len + 1)
      pending = pending.subarray(len + 1)
      if (type === 'Q') {
        const sql = body.subarray(0, body.length - 1).toString('utf8')
        if (isCopyFromStdin(sql)) {
          copy = { sql, parts: [] }
          send('G', Buffer.from([0, 0, 0]))
          continue
        }
        items.push({ kind: 'query', sql })
        const setting = /^\s*set\s+(?:session\s+)?(standard_conforming_strings|client_encoding)\s*(?:=|to)\s*'?([A-Za-z0-9_-]+)'?\s*;?\s*$/i.exec(sql)
        if (setting) status(setting[1]!.toLowerCase(), setting[1]!.toLowerCase() === 'client_encoding' ? setting[2]!.toUpperCase() : setting[2]!.toLowerCase())
        complete('SELECT 0')
        ready()
      } else if (type === 'd') {
        copy?.parts.push(Buffer.from(body))
      } else if (type === 'c' || type === 'f') {
        if (copy) items.push({ kind: 'copy', sql: copy.sql, data: Buffer.concat(copy.parts) })
        copy = null
        complete('COPY 0')
        ready()
      } else if (type === 'X') {
        socket.end()
        return
      }
    }
  })
  socket.on('error', () => {})
}

/**
 * A deliberately plain test, independent of the splitter: after leading comments the statement is COPY, and
 * with quoted text and parenthesised parts blanked out it holds FROM STDIN.
 */
function isCopyFromStdin(sql: string): boolean {
  let body = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '')
  body = body.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ' ')
  for (let prev = ''; prev !== body; ) {
    prev = body
    body = body.replace(/\([^()]*\)/g, ' ')
  }
  return /^copy\s[\s\S]*?\bfrom\s+stdin\b/i.test(body)
}
