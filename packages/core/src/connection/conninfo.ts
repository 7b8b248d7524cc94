// The ConnInfo record: libpq keyword → raw string value, as given (before defaults and validation).
// Invariant: keys are always known libpq keywords; a key that is present but '' was given empty.

import type { ConnKeyword } from './keywords.js'

export type ConnInfo = { [K in ConnKeyword]?: string }

/** Where a value came from, for error messages: "the connection string", "PGPORT", "service …". */
export type ConnInfoSources = { [K in ConnKeyword]?: string }
