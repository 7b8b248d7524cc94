// Turns statement bytes into text in the script's client_encoding. The splitter lexes bytes, which is
// sound for every server encoding (ASCII never appears inside a multibyte character). The client-only
// encodings whose second bytes can look like ASCII (SJIS, BIG5, GBK, GB18030, UHC, JOHAB) would need psql's
// "unsafe encoding" lexing and are refused, as are the few TextDecoder cannot read.
import { isUtf8 } from 'node:buffer'
import { TextDecoder } from 'node:util'

export interface ScriptDecoder {
  /** The canonical PostgreSQL name, e.g. `UTF8`, `LATIN1`. */
  encoding: string
  /** The text of `bytes`; throws a plain Error naming the problem when they are not valid in the encoding. */
  decode(bytes: Buffer): string
}

/** The decoder for a PostgreSQL encoding name as `SET client_encoding` accepts it, or undefined. */
export function scriptDecoder(name: string): ScriptDecoder | undefined {
  const encoding = canonicalEncoding(name)
  if (encoding === undefined) return undefined
  if (encoding === 'UTF8') return { encoding, decode: decodeUtf8 }
  if (encoding === 'SQL_ASCII') return { encoding, decode: decodeSqlAscii }
  if (encoding === 'LATIN1') return { encoding, decode: (bytes) => bytes.toString('latin1') }
  // Node's TextDecoder reads windows-1252 as ISO-8859-1, and WHATWG reads ISO-8859-9 as windows-1254
  if (encoding === 'WIN1252') return tableDecoder(encoding, WIN1252_HIGH)
  if (encoding === 'LATIN5') return tableDecoder(encoding, latin5High())
  const label = WHATWG_LABEL[encoding]
  if (label === undefined) return undefined
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(label, { fatal: true })
  } catch {
    return undefined
  }
  return {
    encoding,
    decode: (bytes) => {
      try {
        return decoder.decode(bytes)
      } catch {
        throw new Error(`bytes that are not valid ${encoding}`)
      }
    },
  }
}

/** The canonical name of an encoding (pg_char_to_encoding's cleaning: letters and digits, lower case). */
export function canonicalEncoding(name: string): string | undefined {
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, '')
  return ALIASES[key] ?? (CANONICAL.has(key.toUpperCase()) ? key.toUpperCase() : undefined)
}

export const UTF8_DECODER: ScriptDecoder = { encoding: 'UTF8', decode: decodeUtf8 }

// --- internal ---

function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new Error('bytes that are not valid UTF-8')
  return bytes.toString('utf8')
}

// SQL_ASCII means "no conversion": only text that is valid UTF-8 has a JS string that round-trips
function decodeSqlAscii(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new Error('bytes that are not valid UTF-8 (client_encoding SQL_ASCII)')
  return bytes.toString('utf8')
}

/**
 * A single-byte encoding equal to ISO-8859-1 except for `high`: the characters of bytes 0x80 to 0xFF, with
 * '' for a byte that has no character (an error, as PostgreSQL's conversion raises).
 */
function tableDecoder(encoding: string, high: string[]): ScriptDecoder {
  return {
    encoding,
    decode: (bytes) => {
      let i = 0
      while (i < bytes.length && bytes[i]! < 0x80) i++
      if (i === bytes.length) return bytes.toString('latin1')
      const parts: string[] = [bytes.toString('latin1', 0, i)]
      for (; i < bytes.length; i++) {
        const b = bytes[i]!
        if (b < 0x80) {
          parts.push(String.fromCharCode(b))
          continue
        }
        const c = high[b - 0x80]!
        if (c === '') throw new Error(`bytes that are not valid ${encoding} (0x${b.toString(16)})`)
        parts.push(c)
      }
      return parts.join('')
    },
  }
}

const latin1High = (): string[] => Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i))

// windows-1252 0x80-0x9F (0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned), then ISO-8859-1
const WIN1252_HIGH: string[] = (() => {
  const high = latin1High()
  const c1 = [0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178]
  c1.forEach((cp, i) => (high[i] = cp === 0 ? '' : String.fromCharCode(cp)))
  return high
})()

// ISO-8859-9: ISO-8859-1 with six Turkish letters in place of Icelandic ones
function latin5High(): string[] {
  const high = latin1High()
  const turkish: Record<number, number> = { 0xd0: 0x011e, 0xdd: 0x0130, 0xde: 0x015e, 0xf0: 0x011f, 0xfd: 0x0131, 0xfe: 0x015f }
  for (const [b, cp] of Object.entries(turkish)) high[Number(b) - 0x80] = String.fromCharCode(cp)
  return high
}

const WHATWG_LABEL: Record<string, string> = {
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  WIN866: 'ibm866',
  WIN874: 'windows-874',
  WIN1250: 'windows-1250',
  WIN1251: 'windows-1251',
  WIN1253: 'windows-1253',
  WIN1254: 'windows-1254',
  WIN1255: 'windows-1255',
  WIN1256: 'windows-1256',
  WIN1257: 'windows-1257',
  WIN1258: 'windows-1258',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
  EUC_JP: 'euc-jp',
  EUC_KR: 'euc-kr',
  EUC_CN: 'gb18030',
}

// pg_wchar.h names, and the cleaned aliases of encnames.c that differ from them
const CANONICAL = new Set([
  'UTF8', 'SQL_ASCII', 'LATIN1', 'LATIN2', 'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10',
  'WIN866', 'WIN874', 'WIN1250', 'WIN1251', 'WIN1252', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1256', 'WIN1257', 'WIN1258',
  'KOI8R', 'KOI8U', 'SJIS', 'BIG5', 'GBK', 'UHC', 'GB18030', 'JOHAB',
])

const ALIASES: Record<string, string> = {
  unicode: 'UTF8', utf8: 'UTF8', sqlascii: 'SQL_ASCII',
  iso88591: 'LATIN1', iso88592: 'LATIN2', iso88593: 'LATIN3', iso88594: 'LATIN4', iso88599: 'LATIN5',
  iso885910: 'LATIN6', iso885913: 'LATIN7', iso885914: 'LATIN8', iso885915: 'LATIN9', iso885916: 'LATIN10',
  iso88595: 'ISO_8859_5', iso88596: 'ISO_8859_6', iso88597: 'ISO_8859_7', iso88598: 'ISO_8859_8',
  windows866: 'WIN866', alt: 'WIN866', windows874: 'WIN874', win: 'WIN1251', abc: 'WIN1258', tcvn: 'WIN1258',
  tcvn5712: 'WIN1258', vscii: 'WIN1258',
  windows1250: 'WIN1250', windows1251: 'WIN1251', windows1252: 'WIN1252', windows1253: 'WIN1253', windows1254: 'WIN1254',
  windows1255: 'WIN1255', windows1256: 'WIN1256', windows1257: 'WIN1257', windows1258: 'WIN1258',
  koi8: 'KOI8R', eucjp: 'EUC_JP', euckr: 'EUC_KR', euccn: 'EUC_CN', euctw: 'EUC_TW', eucjis2004: 'EUC_JIS_2004',
  shiftjis: 'SJIS', mskanji: 'SJIS', windows932: 'SJIS', shiftjis2004: 'SHIFT_JIS_2004', windows950: 'BIG5',
  windows936: 'GBK', windows949: 'UHC', muleinternal: 'MULE_INTERNAL',
}
