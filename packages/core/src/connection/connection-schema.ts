// The one zod schema of a connection option (dump, manager, restore target): a connection string
// (URI or key=value) or an object of libpq keywords; resolveConnection() checks the keywords.
import * as z from 'zod/mini'
import type { ConnectionParams } from './resolve-connection.js'

export const ConnectionSchema = z.custom<string | ConnectionParams>(
  (v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === undefined || typeof x === 'string' || typeof x === 'number')),
  { message: 'must be a connection string or an object of libpq keywords with string or number values' },
)
