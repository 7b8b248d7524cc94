// A host that defines its own `navigator` before it imports anything else (pg-without-fetch.mjs's second run).
globalThis.navigator = { userAgent: 'a host of its own' }
