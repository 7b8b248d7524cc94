// prometheusText(): the metrics in the Prometheus text exposition format, checked by a strict line checker
// (itself checked on invalid text first) and read back by an independent parser (parse-prometheus-text-format).
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, it } from 'vitest'
import { prometheusText, type BackupMetrics } from '../../src/manager/metrics'
import { exposition } from '../helpers/prometheus-text'

const zero = { ran: 0, failed: 0, 'skipped-running': 0, 'skipped-done': 0, busy: 0 }

function metrics(patch: Partial<BackupMetrics> = {}): BackupMetrics {
  return {
    since: new Date('2026-01-01T00:00:00Z'),
    backups: { manual: { success: 2, failure: 1 }, scheduled: { success: 5, failure: 0 } },
    rateLimited: 4,
    durations: { count: 7, sumMs: 10_500, maxMs: 3000, lastMs: 1200 },
    sizes: { count: 7, sumBytes: 7_000_000, maxBytes: 1_500_000, lastBytes: 1_000_000 },
    deletions: { cleanup: 3, remove: 1 },
    swept: { orphans: 5, incomplete: 6 },
    schedule: { backup: { ...zero, ran: 5, 'skipped-running': 10 }, cleanup: { ...zero, busy: 1 } },
    copies: { 'replica-1': { ok: 3, failed: 1, fallbacks: 2 } },
    alerts: { 'storage-quota': 2, 'webhook-failed': 1 },
    storageUp: true,
    history: {
      backups: 6, byType: { manual: 1, scheduled: 5 }, bytes: 6_000_000, lastSuccessAt: new Date('2026-01-02T02:00:01.500Z'),
      last: { id: 'x', type: 'scheduled', createdAt: new Date('2026-01-02T02:00:00Z'), completedAt: new Date('2026-01-02T02:00:01.500Z'), sizeBytes: 1_000_000, durationMs: 1500 },
    },
    storage: { bytes: 6_100_000, objects: 20 },
    invalidManifests: 2,
    ...patch,
  }
}

describe('the exposition checker', () => {
  it('finds what is wrong in invalid text', () => {
    expect(exposition('# TYPE a counter\na 1\n')).toEqual([])
    expect(exposition('a 1\n')).toEqual(['line 1: "a 1": no TYPE for a'])
    expect(exposition('# TYPE a counter\na{k=v} 1\n')[0]).toContain('not a sample line')
    expect(exposition('# TYPE a counter\na{k="v"} one\n')[0]).toContain('not a sample line')
    expect(exposition('# TYPE a counter\na 1\n# TYPE a counter\n')).toHaveLength(2)
    expect(exposition('# hello\n')[0]).toContain('neither HELP nor TYPE')
    expect(exposition('# TYPE a gauge\na_sum 1\n')[0]).toContain('a_sum in gauge a')
    expect(exposition('# TYPE a gauge\na 1')).toEqual(['the text does not end with a newline'])
  })
})

describe('prometheusText', () => {
  it('writes valid exposition text whose values read back', () => {
    const text = prometheusText(metrics())
    expect(exposition(text)).toEqual([])
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
    for (const [name, f] of families) {
      expect(name).toMatch(/^pgkeep_[a-z_]+$/)
      expect(f.help.length).toBeGreaterThan(10)
      if (f.type === 'COUNTER') expect(name).toMatch(/_total$/)
    }
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)!.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels))
    expect(value('pgkeep_backups_total', { type: 'manual', outcome: 'failure' })?.value).toBe('1')
    expect(value('pgkeep_backups_total', { type: 'scheduled', outcome: 'success' })?.value).toBe('5')
    expect(families.get('pgkeep_backup_duration_seconds')).toMatchObject({ type: 'SUMMARY', metrics: [{ sum: '10.5', count: '7' }] })
    expect(families.get('pgkeep_backup_size_bytes')).toMatchObject({ type: 'SUMMARY', metrics: [{ sum: '7000000', count: '7' }] })
    expect(value('pgkeep_rate_limited_total')?.value).toBe('4')
    expect(value('pgkeep_deletions_total', { reason: 'cleanup' })?.value).toBe('3')
    expect(value('pgkeep_swept_objects_total', { kind: 'orphan' })?.value).toBe('5')
    expect(value('pgkeep_swept_objects_total', { kind: 'incomplete' })?.value).toBe('6')
    expect(value('pgkeep_schedule_runs_total', { job: 'backup', outcome: 'skipped-running' })?.value).toBe('10')
    expect(value('pgkeep_schedule_runs_total', { job: 'cleanup', outcome: 'busy' })?.value).toBe('1')
    expect(value('pgkeep_alerts_total', { kind: 'storage-quota' })?.value).toBe('2')
    expect(value('pgkeep_backups', { type: 'scheduled' })?.value).toBe('5')
    expect(families.get('pgkeep_backups')!.type).toBe('GAUGE')
    expect(value('pgkeep_last_success_timestamp_seconds')?.value).toBe('1767319201.5')
    expect(value('pgkeep_last_backup_duration_seconds')?.value).toBe('1.5')
    expect(value('pgkeep_storage_bytes')?.value).toBe('6100000')
    expect(value('pgkeep_invalid_manifests')?.value).toBe('2')
    expect(value('pgkeep_storage_up')?.value).toBe('1')
    expect(families.get('pgkeep_storage_up')!.type).toBe('GAUGE')
  })

  it('says a storage that did not answer is down and leaves out what it would hold, never zeros', () => {
    const text = prometheusText(metrics({
      storageUp: false,
      storageError: { code: 'STORAGE_NOT_FOUND', message: 'the bucket "typo" does not exist' },
      history: null, invalidManifests: null, storage: null,
    }))
    expect(exposition(text)).toEqual([])
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
    expect(families.get('pgkeep_storage_up')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '0' }] })
    for (const name of ['pgkeep_backups', 'pgkeep_backups_bytes', 'pgkeep_last_success_timestamp_seconds', 'pgkeep_last_backup_duration_seconds',
      'pgkeep_last_backup_size_bytes', 'pgkeep_invalid_manifests', 'pgkeep_storage_bytes', 'pgkeep_storage_objects']) {
      expect(text, name).not.toContain(`${name} `)
    }
    // what this process counted still shows
    expect(families.get('pgkeep_backups_total')!.metrics).toHaveLength(4)
    expect(families.get('pgkeep_alerts_total')!.metrics).toHaveLength(2)
  })

  it('escapes label values and leaves out what is unknown', () => {
    const text = prometheusText(metrics({
      alerts: { 'odd "kind"\\\nx': 1 },
      history: { backups: 0, byType: { manual: 0, scheduled: 0 }, bytes: 0, lastSuccessAt: null, last: null },
    }))
    expect(exposition(text)).toEqual([])
    expect(text).toContain('pgkeep_alerts_total{kind="odd \\"kind\\"\\\\\\nx"} 1\n')
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
    expect(families.get('pgkeep_alerts_total')!.metrics[0]!.labels).toEqual({ kind: 'odd "kind"\\\nx' })
    // No sample for a time that does not exist, but the family is still described.
    expect(text).toContain('# TYPE pgkeep_last_success_timestamp_seconds gauge\n# HELP pgkeep_last_backup_duration_seconds')
    expect(text).not.toMatch(/^pgkeep_last_success_timestamp_seconds /m)
  })
})
