// Domain types shared by the pure core, the reports and the adapters. Plain data: no behaviour, no I/O.

/** A SQLMesh model as the action sees it (names are SQLMesh's `model.name`, e.g. `staging.stg_games`). */
export interface ModelInfo {
  readonly name: string
  readonly fqn: string
  /** Absolute path of the file that defines the model (SQL, Python or external-models YAML), when SQLMesh knows it. */
  readonly path: string | null
  readonly kind: string
  readonly isExternal: boolean
  /** Absolute path of a seed model's CSV. */
  readonly seedPath: string | null
  readonly timeColumn: string | null
  readonly grain: readonly string[]
  /** Fully-qualified names of the tables the model reads (models and plain tables alike). */
  readonly dependsOn: readonly string[]
  readonly start: string | null
  /** The model's own start as epoch ms: SQLMesh never rebuilds anything before it. */
  readonly startMs: number | null
  readonly restatementDisabled: boolean
  /** The model reads its own earlier rows (SQLMesh's self-reference, e.g. a running total). */
  readonly dependsOnSelf?: boolean
  /** Loaded from a dbt project: advice then speaks dbt (`config(grain=...)`). */
  readonly fromDbt?: boolean
}

/** A file changed between two commits, repository-relative, with renames already split into delete + add. */
export interface ChangedFile {
  readonly path: string
  readonly status: 'added' | 'modified' | 'removed'
}

/** What SQLMesh's fingerprints say differs from the prod environment (model names). */
export interface FingerprintChanges {
  readonly environmentExists: boolean
  readonly directlyModified: readonly string[]
  readonly indirectlyModified: readonly string[]
  readonly added: readonly string[]
  readonly removed: readonly string[]
}

/** A half-open time range in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number
  readonly end: number
}

/** What an environment holds for one model, from SQLMesh's state. */
export interface EnvironmentModel {
  readonly fingerprint: string
  readonly version: string
  readonly forwardOnly: boolean
  readonly intervals: readonly TimeWindow[]
}

export type EnvironmentSnapshot = ReadonlyMap<string, EnvironmentModel>

export interface SchemaDiff {
  readonly added: readonly ColumnType[]
  readonly removed: readonly ColumnType[]
  readonly retyped: readonly ColumnRetype[]
}

export interface ColumnType {
  readonly column: string
  readonly type: string
}

export interface ColumnRetype {
  readonly column: string
  readonly from: string
  readonly to: string
}

export interface RowCounts {
  readonly prod: number
  readonly pr: number
  /** Rows whose grain exists only in prod: the PR removes them. */
  readonly onlyInProd: number
  /** Rows whose grain exists only in the PR environment: the PR adds them. */
  readonly onlyInPr: number
  /** Rows whose grain exists on both sides; compared as whole rows: rows identical on both sides. */
  readonly matched: number
  /** Matched rows whose values differ in at least one column; null when compared as whole rows (it needs a key). */
  readonly changed: number | null
}

export interface ColumnMatch {
  readonly column: string
  readonly matchPct: number
}

export type SampleRow = Readonly<Record<string, unknown>>

export interface Samples {
  readonly onlyInProd: readonly SampleRow[]
  readonly onlyInPr: readonly SampleRow[]
  readonly changed: readonly SampleRow[]
}

/**
 * Why a model of the affected chain has no table comparison. Some reasons need none (the data provably is prod's,
 * or the model has no table of its own); the others leave the model not compared, and the verdict says so.
 */
export type NotDiffedReason =
  // The whole model is the difference.
  | 'added'
  | 'removed'
  // Provably nothing to compare.
  | 'shares-prod-table'
  | 'unchanged'
  | 'external'
  | 'embedded'
  // Not compared: the verdict names them and the gate counts them.
  | 'out-of-scope'
  | 'forward-only'
  | 'empty-window'
  | 'not-found'
  | 'error'

/** How a table comparison matched rows: on the model's grain, or as whole rows (multisets over all columns). */
export type ComparisonMethod = 'grain' | 'whole-rows'

/** Why a declared grain could not be the join key (the comparison then falls back to whole rows). */
export type GrainProblem =
  | { readonly kind: 'missing-columns'; readonly missing: readonly string[]; readonly columns: readonly string[] }
  | {
      readonly kind: 'not-unique'
      readonly duplicateKeys: { readonly prod: number; readonly pr: number }
      readonly nullKeyRows: { readonly prod: number; readonly pr: number }
    }

export type ModelDiff =
  | (TableComparison & {
      readonly model: string
      readonly status: 'diffed'
      readonly window: TimeWindow | null
      /** Set when the model is rebuilt in full from an upstream model the PR environment holds only for a window. */
      readonly partialUpstream?: { readonly model: string; readonly window: TimeWindow } | null
      /** A forward-only change, compared through the preview SQLMesh built in the PR environment. */
      readonly preview?: boolean
      /** The PR environment rebuilt this model from its own start, because its rows depend on its history. */
      readonly fullHistory?: boolean
    })
  | {
      readonly model: string
      readonly status: 'not-diffed'
      readonly reason: NotDiffedReason
      readonly detail: string
    }

/** What a table diff measured for one model. */
export interface TableComparison {
  readonly method: ComparisonMethod
  /** The declared grain (empty when the model has none). */
  readonly grain: readonly string[]
  readonly grainProblem: GrainProblem | null
  readonly schema: SchemaDiff
  readonly rows: RowCounts
  readonly columns: readonly ColumnMatch[]
  readonly samples?: Samples
}
