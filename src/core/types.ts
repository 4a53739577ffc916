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
  /** Rows whose grain exists on both sides. */
  readonly matched: number
  /** Matched rows whose values differ in at least one column. */
  readonly changed: number
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

/** Why a model of the affected chain was not compared row by row. */
export type NotDiffedReason =
  | 'added'
  | 'removed'
  | 'no-grain'
  | 'shares-prod-table'
  | 'unchanged'
  | 'external'
  | 'out-of-scope'
  | 'error'

export type ModelDiff =
  | (TableComparison & {
      readonly model: string
      readonly status: 'diffed'
      readonly window: TimeWindow | null
      /** Set when the model is rebuilt in full from an upstream model the PR environment holds only for a window. */
      readonly partialUpstream?: { readonly model: string; readonly window: TimeWindow } | null
    })
  | {
      readonly model: string
      readonly status: 'not-diffed'
      readonly reason: NotDiffedReason
      readonly detail: string
    }

/** What SQLMesh's table diff measured for one model. */
export interface TableComparison {
  readonly grain: readonly string[]
  readonly schema: SchemaDiff
  readonly rows: RowCounts
  readonly columns: readonly ColumnMatch[]
  readonly samples?: Samples
}
