// The example's last handlers (json-errors.ts) in an app that has what the example leaves out: a global
// express.json() and a route of its own that throws. Over HTTP on loopback: a malformed or oversized body
// is a JSON 400 / 413 with the parser's message, a thrown error a JSON 500 "internal error" (the error
// logged on the server), an unknown path a JSON 404; no stack, no HTML, no server path.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { jsonErrors, notFound } from '../json-errors'

let server: Server
let base: string
const logged = vi.spyOn(console, 'error').mockImplementation(() => {})

beforeAll(async () => {
  const app = express()
  app.use(express.json())
  app.post('/things', (req, res) => res.json({ got: req.body }))
  app.get('/boom', () => {
    throw new Error(`cannot open ${import.meta.dirname}/secret.txt`)
  })
  app.use(notFound, jsonErrors)
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  logged.mockRestore()
})

async function answer(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, init)
  const text = await response.text()
  expect(response.headers.get('content-type'), text).toMatch(/^application\/json/)
  expect(text).not.toMatch(/<html|<pre>|\bat [\w.<>]+ \(|node:internal|node_modules|secret\.txt/i)
  expect(text).not.toContain(import.meta.dirname)
  return { status: response.status, body: JSON.parse(text) }
}

const post = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body })

describe('json-errors', () => {
  it('a good body passes', async () => {
    expect(await answer('/things', post('{"a":1}'))).toEqual({ status: 200, body: { got: { a: 1 } } })
  })

  it('a malformed body, null and a string: 400 with the parser\'s message', async () => {
    for (const body of ['{bad', 'null', '"str"']) {
      const { status, body: json } = await answer('/things', post(body))
      expect(status, body).toBe(400)
      expect(json).toMatchObject({ statusCode: 400, message: expect.stringMatching(/JSON/) })
    }
  })

  it('a body over express.json()\'s 100 kB: 413', async () => {
    const { status, body } = await answer('/things', post(JSON.stringify({ pad: 'x'.repeat(120_000) })))
    expect(status).toBe(413)
    expect(body).toEqual({ statusCode: 413, message: 'request entity too large' })
  })

  it('a route that throws: 500 "internal error", the error logged on the server', async () => {
    expect(await answer('/boom')).toEqual({ status: 500, body: { statusCode: 500, message: 'internal error' } })
    expect(String(logged.mock.calls.at(-1)?.[0])).toContain('secret.txt')
  })

  it('an unknown path: 404', async () => {
    expect(await answer('/nowhere')).toEqual({ status: 404, body: { statusCode: 404, message: 'not found' } })
  })
})
