// Formatting for the backup card: sizes as B/KB/MB/GB, dates in the card's locale, the filename out of a
// Content-Disposition header, and whole minutes out of a Retry-After header.

/** `1536` → `1,5 KB` (id) / `1.5 KB` (en): binary units, one decimal above bytes. */
export function formatSize(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 ? 0 : 1
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${units[unit]}`
}

/** A record's date as the reader's calendar shows it, e.g. `4 Des 2026, 13.05`. */
export function formatDate(value: string | number | Date, locale: string): string {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** A point in time to the second, e.g. `4 Des 2026, 14.32.05`: a recoverable window's end. */
export function formatMoment(value: string | number | Date, locale: string): string {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(date)
}

/**
 * The file name a Content-Disposition header gives, preferring the RFC 5987 `filename*` form.
 * @example filenameFromDisposition(`attachment; filename="a.sql.gz"`) // 'a.sql.gz'
 */
export function filenameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (extended) {
    try {
      return safeName(decodeURIComponent(extended[2]!.trim()))
    } catch {
      // malformed percent-encoding: fall back to the plain form
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header)
  if (quoted) return safeName(quoted[1]!.replace(/\\(.)/g, '$1'))
  const bare = /filename\s*=\s*([^;]+)/i.exec(header)
  return bare ? safeName(bare[1]!.trim()) : undefined
}

/** Whole minutes (at least 1) until a Retry-After header allows the next try; undefined without one. */
export function retryMinutes(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  const seconds = /^\d+$/.test(header.trim()) ? Number(header.trim()) : (Date.parse(header) - now) / 1000
  if (!Number.isFinite(seconds)) return undefined
  return Math.max(1, Math.ceil(seconds / 60))
}

/** The last path segment only: a header must not choose a folder. */
function safeName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop()?.trim()
  return base ? base : undefined
}
