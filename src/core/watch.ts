// Watch mode, pure: which sources to watch (the project's external models and the settings file), how their
// fingerprints compare with the recorded ones, and which time range each change calls for.
//
//   external: true            # watch every external model (default)
//   sources:
//     raw.games: { time_column: game_date, bucket: day }   # a model (seed, external, any) or a plain table
//     landing.teams: {}                                     # no time column: one bucket
//   exclude: [landing.big_log]

import type { ModelGraph } from './graph.js'

export const WATCH_BUCKETS = ['day', 'week', 'month'] as const
export type WatchBucket = (typeof WATCH_BUCKETS)[number]

/** The bucket of a source without a time column, and of rows whose time is NULL. */
export const WHOLE_SOURCE = '*'
export const NULL_BUCKET = 'null'

export interface WatchSourceSetting {
  readonly timeColumn: string | null
  readonly bucket: WatchBucket | null
}

export interface WatchSettings {
  readonly external: boolean
  readonly sources: ReadonlyMap<string, WatchSourceSetting>
  readonly exclude: ReadonlySet<string>
}

/** A source as the bridge fingerprints it, and the models that read it (restated when it changes). */
export interface WatchSource {
  readonly name: string
  /** The table to read: a model's fully-qualified name, or the table name as given. */
  readonly table: string
  readonly timeColumn: string | null
  readonly bucket: WatchBucket
  /** The models that read this source directly: the restatement starts at them. */
  readonly readers: readonly string[]
}

export interface BucketFingerprint {
  readonly bucket: string
  readonly rows: number
  readonly hash: string
}

export interface BucketChange {
  readonly bucket: string
  readonly change: 'added' | 'removed' | 'changed'
  readonly rowsBefore: number | null
  readonly rowsAfter: number | null
}

export type SourceComparison =
  | { readonly source: string; readonly status: 'baseline' | 'unchanged'; readonly buckets: readonly [] }
  | { readonly source: string; readonly status: 'changed'; readonly buckets: readonly BucketChange[] }
  | { readonly source: string; readonly status: 'error'; readonly buckets: readonly []; readonly error: string }

const SOURCE_KEYS = ['time_column', 'bucket']

export function parseWatchSettings(data: unknown, file: string): WatchSettings {
  const empty: WatchSettings = { external: true, sources: new Map(), exclude: new Set() }
  if (data === null || data === undefined) return empty
  if (!isRecord(data)) throw new Error(`${file}: expected a mapping with 'sources', 'exclude' and 'external'.`)
  const unknown = Object.keys(data).filter(key => !['external', 'sources', 'exclude'].includes(key))
  if (unknown.length > 0)
    throw new Error(`${file}: unknown key '${unknown[0]}'; expected sources, exclude or external.`)
  const external = data.external ?? true
  if (typeof external !== 'boolean') throw new Error(`${file}: 'external' must be true or false.`)
  const sources = new Map<string, WatchSourceSetting>()
  const rawSources = data.sources ?? {}
  if (!isRecord(rawSources))
    throw new Error(`${file}: 'sources' must be a mapping of source names to settings (time_column, bucket).`)
  for (const [name, value] of Object.entries(rawSources)) {
    const setting = value ?? {}
    if (!isRecord(setting))
      throw new Error(`${file}: settings of source '${name}' must be a mapping (time_column, bucket).`)
    const extra = Object.keys(setting).filter(key => !SOURCE_KEYS.includes(key))
    if (extra.length > 0)
      throw new Error(`${file}: unknown setting '${extra[0]}' for source '${name}'; expected time_column or bucket.`)
    const timeColumn = setting.time_column ?? null
    if (timeColumn !== null && (typeof timeColumn !== 'string' || timeColumn === '')) {
      throw new Error(`${file}: 'time_column' of source '${name}' must be a column name.`)
    }
    const bucket = setting.bucket ?? null
    if (bucket !== null && !(WATCH_BUCKETS as readonly unknown[]).includes(bucket)) {
      throw new Error(
        `${file}: 'bucket' of source '${name}' is '${typeof bucket === 'string' ? bucket : JSON.stringify(bucket)}'; expected one of: ${WATCH_BUCKETS.join(', ')}.`
      )
    }
    sources.set(name, { timeColumn, bucket: bucket as WatchBucket | null })
  }
  const exclude = data.exclude ?? []
  if (!Array.isArray(exclude) || exclude.some(item => typeof item !== 'string')) {
    throw new Error(`${file}: 'exclude' must be a list of source names.`)
  }
  return { external, sources, exclude: new Set(exclude as string[]) }
}

/**
 * The sources to watch, by name: the external models (unless `external: false`), then the sources the settings add,
 * minus the excluded ones. A model source with a time column of its own takes it unless the settings give one.
 */
export function watchSources(graph: ModelGraph, settings: WatchSettings): WatchSource[] {
  const names = new Set<string>()
  if (settings.external)
    graph
      .modelsList()
      .filter(model => model.isExternal)
      .forEach(model => names.add(model.name))
  settings.sources.forEach((_, name) => names.add(name))
  settings.exclude.forEach(name => names.delete(name))
  return [...names].sort().map(name => {
    const model = graph.model(name)
    const setting = settings.sources.get(name)
    const timeColumn = setting?.timeColumn ?? model?.timeColumn ?? null
    const readers = model ? [...graph.childrenOf(name)] : readersOfTable(graph, name)
    return {
      name,
      table: model?.fqn ?? name,
      timeColumn,
      bucket: setting?.bucket ?? 'day',
      readers: graph.topologicalOrder(readers)
    }
  })
}

/** Models that read a plain table (not a model): their dependencies end with the table's name, quotes aside. */
function readersOfTable(graph: ModelGraph, table: string): string[] {
  const wanted = splitName(table)
  return graph
    .modelsList()
    .filter(model =>
      model.dependsOn.some(fqn => {
        const parts = splitName(fqn)
        return (
          parts.length >= wanted.length &&
          wanted.every((part, index) => part === parts[parts.length - wanted.length + index])
        )
      })
    )
    .map(model => model.name)
}

function splitName(name: string): string[] {
  return name.split('.').map(part => part.replace(/^[`"[]|[`"\]]$/g, '').toLowerCase())
}

/** Per source: no recorded fingerprint yet (baseline), unchanged, or the buckets added, removed or changed. */
export function compareFingerprints(
  source: string,
  current: readonly BucketFingerprint[],
  recorded: readonly BucketFingerprint[] | undefined
): SourceComparison {
  if (recorded === undefined) return { source, status: 'baseline', buckets: [] }
  const before = new Map(recorded.map(item => [item.bucket, item]))
  const after = new Map(current.map(item => [item.bucket, item]))
  const changes: BucketChange[] = []
  for (const bucket of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = before.get(bucket)
    const now = after.get(bucket)
    if (old && now && sameFingerprint(old, now)) continue
    const change = !old ? 'added' : !now ? 'removed' : 'changed'
    changes.push({ bucket, change, rowsBefore: old?.rows ?? null, rowsAfter: now?.rows ?? null })
  }
  return changes.length === 0
    ? { source, status: 'unchanged', buckets: [] }
    : { source, status: 'changed', buckets: changes }
}

function sameFingerprint(a: BucketFingerprint, b: BucketFingerprint): boolean {
  return a.rows === b.rows && a.hash === b.hash
}

/**
 * The range a source's changed buckets call for: from the start of the earliest to the last day of the latest
 * (inclusive, as SQLMesh reads a date given as an end). Null when the whole history is called for: a source without
 * a time column, or a change among rows whose time is NULL.
 */
export function changedRange(
  buckets: readonly BucketChange[],
  bucket: WatchBucket
): { start: string; end: string } | null {
  const days = buckets.map(item => item.bucket)
  if (
    days.length === 0 ||
    days.some(day => day === WHOLE_SOURCE || day === NULL_BUCKET || !/^\d{4}-\d{2}-\d{2}$/.test(day))
  )
    return null
  const sorted = [...days].sort()
  return { start: sorted[0], end: lastDayOf(sorted[sorted.length - 1], bucket) }
}

/** The last day of the bucket that starts on `day`. */
export function lastDayOf(day: string, bucket: WatchBucket): string {
  const date = new Date(`${day}T00:00:00Z`)
  if (bucket === 'week') date.setUTCDate(date.getUTCDate() + 6)
  if (bucket === 'month') date.setUTCMonth(date.getUTCMonth() + 1, 0)
  return date.toISOString().slice(0, 10)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
