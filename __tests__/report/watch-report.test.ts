import { describe, it, expect } from '@jest/globals'
import {
  renderWatchSections,
  watchVerdict,
  type WatchReport,
  type WatchedSource
} from '../../src/report/watch-report.js'

const unchanged = (source: string): WatchedSource => ({
  comparison: { source, status: 'unchanged', buckets: [] },
  range: null,
  readers: ['stg.a']
})

function report(sources: WatchedSource[], overrides: Partial<WatchReport> = {}): WatchReport {
  return {
    sources,
    dryRun: false,
    schemaTable: 'sqlmesh_action.watch_fingerprints',
    conflicts: [],
    state: { environment: 'prod', checked: 5, problems: [] },
    ...overrides
  }
}

const text = (value: WatchReport): string =>
  renderWatchSections(value)
    .map(section => section.text)
    .join('\n\n')

describe('watch report', () => {
  it('shows each changed bucket with its rows before and after, and the range restated', () => {
    const changed: WatchedSource = {
      comparison: {
        source: 'raw.games',
        status: 'changed',
        buckets: [
          { bucket: '2026-03-01', change: 'changed', rowsBefore: 7, rowsAfter: 8 },
          { bucket: '2026-03-02', change: 'removed', rowsBefore: 1200, rowsAfter: null }
        ]
      },
      range: { start: '2026-03-01', end: '2026-03-02' },
      readers: ['staging.stg_games']
    }
    const body = text(report([changed, unchanged('landing.teams')]))
    expect(body).toContain(
      '| `raw.games` | 🔄 changed | 2026-03-01: 7 → 8<br>2026-03-02: 1,200 → — | 2026-03-01 – 2026-03-02 | `staging.stg_games` |'
    )
    expect(body).toContain('| `landing.teams` | ✅ unchanged | — | — | `stg.a` |')
    expect(body).toContain('kept in `sqlmesh_action.watch_fingerprints`')
  })

  it('names a whole-table change and rows without a time in words', () => {
    const whole: WatchedSource = {
      comparison: {
        source: 't',
        status: 'changed',
        buckets: [
          { bucket: '*', change: 'changed', rowsBefore: 3, rowsAfter: 3 },
          { bucket: 'null', change: 'added', rowsBefore: null, rowsAfter: 1 }
        ]
      },
      range: { start: '2024-10-01', end: 'now' },
      readers: []
    }
    expect(text(report([whole]))).toContain('whole table: 3 → 3<br>rows without a time: — → 1')
  })

  it('never reads as nothing changed when a source could not be fingerprinted', () => {
    const broken: WatchedSource = {
      comparison: { source: 'landing.gone', status: 'error', buckets: [], error: 'Table not found' },
      range: null,
      readers: []
    }
    const value = report([broken, unchanged('a')])
    expect(watchVerdict(value)).toBe('❌ 1 of 2 sources watched could not be fingerprinted: their changes are unknown.')
    expect(text(value)).toContain('**`landing.gone` could not be fingerprinted:**')
    expect(text(value)).toContain('| `landing.gone` | ❌ not read |')
  })

  it('says a baseline was recorded, or that a dry run recorded none', () => {
    const baseline: WatchedSource = {
      comparison: { source: 'a', status: 'baseline', buckets: [] },
      range: null,
      readers: []
    }
    expect(watchVerdict(report([baseline]))).toBe(
      '📌 Baseline recorded for 1 source; nothing rebuilt (a change is detected from the next run on).'
    )
    expect(watchVerdict(report([baseline], { dryRun: true }))).toBe(
      '🗓️ Dry run: 1 source without a recorded fingerprint yet; nothing recorded.'
    )
    expect(text(report([baseline], { dryRun: true }))).toContain('📌 no baseline yet (dry run)')
    expect(watchVerdict(report([unchanged('a'), unchanged('b')]))).toBe(
      '✅ No watched source changed since the last recorded fingerprints (2 sources): nothing to rebuild.'
    )
  })

  it('says every prod table and view was checked, or lists each problem with its repair', () => {
    expect(text(report([unchanged('a')]))).toContain(
      "✅ 5 models checked: each physical table exists and `prod`'s views point to them."
    )
    const problem = {
      model: 'marts.daily',
      kind: 'missing-table' as const,
      detail: 'the physical table s.t__1 does not exist',
      repair: 'sqlmesh plan prod --restate-model "marts.daily"'
    }
    const body = text(report([unchanged('a')], { state: { environment: 'prod', checked: 5, problems: [problem] } }))
    expect(body).toContain("❌ 1 of 5 models are not as SQLMesh's state says")
    expect(body).toContain(
      '| `marts.daily` | the physical table s.t\\_\\_1 does not exist | `sqlmesh plan prod --restate-model "marts.daily"` |'
    )
  })
})
