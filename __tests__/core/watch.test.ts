import { describe, it, expect } from '@jest/globals'
import {
  changedRange,
  compareFingerprints,
  lastDayOf,
  parseWatchSettings,
  watchSources,
  type BucketChange
} from '../../src/core/watch.js'
import { ModelGraph } from '../../src/core/graph.js'
import { modelInfo } from '../fixtures/builders.js'

const FILE = 'watch.yaml'

/** landing.events (external) -> stg.events (incremental) -> mart.daily; raw.teams (seed) -> stg.teams; stg.logs reads a plain table. */
function project(): ModelGraph {
  return new ModelGraph(
    [
      modelInfo('landing.events', { kind: 'EXTERNAL', isExternal: true }),
      modelInfo('raw.teams', { kind: 'SEED' }),
      modelInfo('stg.events', {
        kind: 'INCREMENTAL_BY_TIME_RANGE',
        timeColumn: 'event_date',
        dependsOn: ['"db"."landing"."events"'],
        fqn: '"db"."stg"."events"'
      }),
      modelInfo('stg.teams', { dependsOn: ['"db"."raw"."teams"'] }),
      modelInfo('mart.daily', { dependsOn: ['"db"."stg"."events"', '"db"."stg"."teams"'] }),
      modelInfo('stg.logs', { dependsOn: ['"db"."ops"."logs"'] })
    ].map(model => ({ ...model, fqn: `"db"."${model.name.split('.')[0]}"."${model.name.split('.')[1]}"` }))
  )
}

describe('parseWatchSettings', () => {
  it('defaults to every external model when there is no file', () => {
    expect(parseWatchSettings(null, FILE)).toEqual({ external: true, sources: new Map(), exclude: new Set() })
  })

  it('reads sources with their time column and bucket, exclusions and external', () => {
    const settings = parseWatchSettings(
      {
        external: false,
        sources: { 'raw.teams': null, 'ops.logs': { time_column: 'at', bucket: 'week' } },
        exclude: ['x.y']
      },
      FILE
    )
    expect(settings.external).toBe(false)
    expect(settings.sources.get('raw.teams')).toEqual({ timeColumn: null, bucket: null })
    expect(settings.sources.get('ops.logs')).toEqual({ timeColumn: 'at', bucket: 'week' })
    expect([...settings.exclude]).toEqual(['x.y'])
  })

  it.each([
    [{ source: {} }, "watch.yaml: unknown key 'source'; expected sources, exclude or external."],
    [
      { sources: { a: { bucket: 'hour' } } },
      "watch.yaml: 'bucket' of source 'a' is 'hour'; expected one of: day, week, month."
    ],
    [
      { sources: { a: { time: 'x' } } },
      "watch.yaml: unknown setting 'time' for source 'a'; expected time_column or bucket."
    ],
    [{ exclude: 'a' }, "watch.yaml: 'exclude' must be a list of source names."],
    [{ external: 'yes' }, "watch.yaml: 'external' must be true or false."]
  ])('names the file, the source and what is expected for %j', (data, message) => {
    expect(() => parseWatchSettings(data, FILE)).toThrow(message)
  })
})

describe('watchSources', () => {
  it('watches external models, adds seeds, models and plain tables, and leaves excluded ones out', () => {
    const settings = parseWatchSettings(
      { sources: { 'raw.teams': {}, 'stg.events': {}, 'ops.logs': { time_column: 'at', bucket: 'month' } } },
      FILE
    )
    const sources = watchSources(project(), settings)
    expect(
      sources.map(source => [source.name, source.table, source.timeColumn, source.bucket, source.readers])
    ).toEqual([
      ['landing.events', '"db"."landing"."events"', null, 'day', ['stg.events']],
      ['ops.logs', 'ops.logs', 'at', 'month', ['stg.logs']],
      ['raw.teams', '"db"."raw"."teams"', null, 'day', ['stg.teams']],
      // A model's own time column is the default.
      ['stg.events', '"db"."stg"."events"', 'event_date', 'day', ['mart.daily']]
    ])
    expect(watchSources(project(), parseWatchSettings({ exclude: ['landing.events'] }, FILE))).toEqual([])
  })
})

describe('compareFingerprints', () => {
  const day = (bucket: string, rows: number, hash: string) => ({ bucket, rows, hash })

  it('records a baseline when nothing was recorded, and finds nothing when all buckets match', () => {
    expect(compareFingerprints('s', [day('2026-03-01', 2, 'a')], undefined).status).toBe('baseline')
    expect(compareFingerprints('s', [day('2026-03-01', 2, 'a')], [day('2026-03-01', 2, 'a')]).status).toBe('unchanged')
  })

  it('finds buckets added, removed, and changed in place with the same count', () => {
    const result = compareFingerprints(
      's',
      [day('2026-03-01', 2, 'b'), day('2026-03-03', 1, 'c')],
      [day('2026-03-01', 2, 'a'), day('2026-03-02', 4, 'd')]
    )
    expect(result).toEqual({
      source: 's',
      status: 'changed',
      buckets: [
        { bucket: '2026-03-01', change: 'changed', rowsBefore: 2, rowsAfter: 2 },
        { bucket: '2026-03-02', change: 'removed', rowsBefore: 4, rowsAfter: null },
        { bucket: '2026-03-03', change: 'added', rowsBefore: null, rowsAfter: 1 }
      ]
    })
  })
})

describe('changedRange', () => {
  const changed = (...buckets: string[]): BucketChange[] =>
    buckets.map(bucket => ({ bucket, change: 'changed', rowsBefore: 1, rowsAfter: 2 }))

  it('spans the earliest changed bucket to the last day of the latest', () => {
    expect(changedRange(changed('2026-03-09', '2026-03-02'), 'day')).toEqual({ start: '2026-03-02', end: '2026-03-09' })
    expect(changedRange(changed('2026-03-02'), 'week')).toEqual({ start: '2026-03-02', end: '2026-03-08' })
    expect(changedRange(changed('2026-01-01', '2026-02-01'), 'month')).toEqual({
      start: '2026-01-01',
      end: '2026-02-28'
    })
  })

  it('calls for the whole history for a source without a time column or rows without a time', () => {
    expect(changedRange(changed('*'), 'day')).toBeNull()
    expect(changedRange(changed('2026-03-01', 'null'), 'day')).toBeNull()
  })

  it('knows the last day of a leap February and of December', () => {
    expect(lastDayOf('2028-02-01', 'month')).toBe('2028-02-29')
    expect(lastDayOf('2026-12-28', 'week')).toBe('2027-01-03')
  })
})
