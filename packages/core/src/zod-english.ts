// pgkeep's schemas are built with zod's small build (`zod/mini`: functions instead of methods, so a bundle
// holds only the parts pgkeep uses; the full build cost a command ~35 ms of start-up). That build loads no
// language of its own, and zod's language is a global setting an application may have made for its own
// schemas; pgkeep's messages (OPTIONS_INVALID, a 400's text) are English whatever it set. Every parse of
// a pgkeep schema passes these parse options.
import type { core } from 'zod/mini'
import en from 'zod/v4/locales/en.js'

/** Parse options that word zod's messages in English (a schema's own message still comes first). */
export const ENGLISH: Readonly<{ error: core.$ZodErrorMap }> = Object.freeze({ error: en().localeError })
