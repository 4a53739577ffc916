// Turns the bridge's JSON (snake_case, SQLMesh's shapes) into the action's domain types. Pure.

import type {
  EnvironmentModel,
  EnvironmentSnapshot,
  FingerprintChanges,
  GrainProblem,
  ModelInfo,
  SampleRow,
  TableComparison
} from '../core/types.js'
import type { RestatementOutcome } from '../core/backfill.js'

export interface RawModel {
  name: string
  fqn: string
  path: string | null
  kind: string
  is_external: boolean
  seed_path: string | null
  time_column: string | null
  grain: string[]
  depends_on: string[]
  start: string | null
  start_ms: number | null
  restatement_disabled: boolean
  depends_on_self?: boolean
  dbt?: boolean
}

export interface RawChanges {
  environment_exists: boolean
  directly_modified: string[]
  indirectly_modified: string[]
  added: string[]
  removed: string[]
}

export interface RawEnvironment {
  exists: boolean
  models: Record<
    string,
    { fingerprint: string; version: string; forward_only: boolean; intervals: number[][]; dev_intervals: number[][] }
  >
}

export type RawGrainProblem =
  | { kind: 'missing-columns'; missing: string[]; columns: string[] }
  | {
      kind: 'not-unique'
      duplicate_keys: { source: number; target: number }
      null_key_rows: { source: number; target: number }
    }

export type RawDiff =
  | { diffed: false; detail?: string }
  | {
      diffed: true
      method: 'grain' | 'whole-rows'
      grain: string[]
      grain_problem: RawGrainProblem | null
      schema: { added: string[][]; removed: string[][]; modified: string[][] }
      stats: Record<string, number>
      column_match_pct: Record<string, number>
      samples?: { source_only: SampleRow[]; target_only: SampleRow[]; changed: SampleRow[] }
    }

export function parseModels(raw: readonly RawModel[]): ModelInfo[] {
  return raw.map(model => ({
    name: model.name,
    fqn: model.fqn,
    path: model.path,
    kind: model.kind,
    isExternal: model.is_external,
    seedPath: model.seed_path,
    timeColumn: model.time_column,
    // One join column per entry (SQLMesh's `model.on`; a composite grain is already split).
    grain: model.grain,
    dependsOn: model.depends_on,
    start: model.start,
    startMs: model.start_ms,
    restatementDisabled: model.restatement_disabled,
    dependsOnSelf: model.depends_on_self ?? false,
    fromDbt: model.dbt ?? false
  }))
}

/** FQNs from the state are kept as they are; the caller maps them to model names through the graph. */
export function parseFingerprintChanges(raw: RawChanges): FingerprintChanges {
  return {
    environmentExists: raw.environment_exists,
    directlyModified: raw.directly_modified,
    indirectlyModified: raw.indirectly_modified,
    added: raw.added,
    removed: raw.removed
  }
}

export function parseEnvironment(raw: RawEnvironment, isProd: boolean): EnvironmentSnapshot | null {
  if (!raw.exists) return null
  const models = new Map<string, EnvironmentModel>()
  for (const [fqn, snapshot] of Object.entries(raw.models)) {
    // A dev environment's own backfills are recorded as dev intervals; prod reads the promoted intervals only.
    const intervals = !isProd && snapshot.dev_intervals.length > 0 ? snapshot.dev_intervals : snapshot.intervals
    models.set(fqn, {
      fingerprint: snapshot.fingerprint,
      version: snapshot.version,
      forwardOnly: snapshot.forward_only,
      intervals: intervals.map(([start, end]) => ({ start: start, end: end }))
    })
  }
  return models
}

export function parseDiff(raw: RawDiff): TableComparison | null {
  if (!raw.diffed) return null
  const stat = (key: string): number => Math.round(raw.stats[key] ?? 0)
  const matched = stat('join_count')
  const wholeRows = raw.method === 'whole-rows'
  return {
    method: raw.method,
    grain: raw.grain,
    grainProblem: parseGrainProblem(raw.grain_problem),
    schema: {
      added: raw.schema.added.map(([column, type]) => ({ column: column, type: type })),
      removed: raw.schema.removed.map(([column, type]) => ({ column: column, type: type })),
      retyped: raw.schema.modified.map(([column, from, to]) => ({
        column: column,
        from: from,
        to: to
      }))
    },
    rows: {
      prod: stat('s_count'),
      pr: stat('t_count'),
      onlyInProd: stat('s_only_count'),
      onlyInPr: stat('t_only_count'),
      matched,
      changed: wholeRows ? null : matched - stat('full_match_count')
    },
    columns: Object.entries(raw.column_match_pct).map(([column, matchPct]) => ({ column, matchPct })),
    ...(raw.samples
      ? {
          samples: {
            onlyInProd: raw.samples.source_only,
            onlyInPr: raw.samples.target_only,
            changed: raw.samples.changed
          }
        }
      : {})
  }
}

function parseGrainProblem(raw: RawGrainProblem | null): GrainProblem | null {
  if (!raw) return null
  if (raw.kind === 'missing-columns') return raw
  return {
    kind: 'not-unique',
    duplicateKeys: { prod: raw.duplicate_keys.source, pr: raw.duplicate_keys.target },
    nullKeyRows: { prod: raw.null_key_rows.source, pr: raw.null_key_rows.target }
  }
}

export interface RawRestatement {
  planned: Record<string, number[]>
  has_local_changes: boolean
  rows_before?: Record<string, number | null>
  rows_after?: Record<string, number | null>
  evaluated?: Record<string, number>
  failed?: { model: string; error: string }[]
  skipped?: string[]
  error?: string | null
  seconds?: number
}

/** A restatement's result with model names instead of SQLMesh's fully-qualified ones. */
export function parseRestatement(
  raw: RawRestatement,
  nameOf: (fqn: string) => string,
  requestedStart: number,
  applied: boolean
): RestatementOutcome {
  const byName = <V>(record: Record<string, V> | undefined): Map<string, V> =>
    new Map(Object.entries(record ?? {}).map(([fqn, value]) => [nameOf(fqn), value]))
  return {
    requestedStart,
    planned: new Map(
      Object.entries(raw.planned).map(([fqn, [start, end]]) => [nameOf(fqn), { start: start, end: end }])
    ),
    applied,
    evaluated: byName(raw.evaluated),
    failed: new Map((raw.failed ?? []).map(failure => [nameOf(failure.model), failure.error])),
    skipped: new Set((raw.skipped ?? []).map(nameOf)),
    rowsBefore: byName(raw.rows_before),
    rowsAfter: byName(raw.rows_after),
    error: raw.error ?? null
  }
}
