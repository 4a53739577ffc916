// Backfill planning and results: which models to restate, what SQLMesh made of the requested range per model
// (clamped to a model's start, widened for kinds that rebuild all history, skipped), and what happened. Pure.

import type { ModelGraph } from './graph.js'
import type { TimeWindow } from './types.js'

/** Per-model settings from the repository's backfill file (Dagster-style `backfill`, `backfill_start_date`). */
export interface ModelBackfillSetting {
  readonly backfill: boolean
  readonly startDate: string | null
}

export type BackfillSettings = ReadonlyMap<string, ModelBackfillSetting>

/** One restatement SQLMesh runs: the models it restates (it cascades downstream) and the range. */
export interface RestatementGroup {
  readonly start: string
  readonly models: readonly string[]
}

export interface RootSelection {
  readonly groups: readonly RestatementGroup[]
  /** Models left out of the restatement, and why (seeds, `backfill: false`). */
  readonly excluded: readonly { readonly model: string; readonly reason: string }[]
}

/**
 * The models to restate for a set of changed models. SQLMesh cascades a restatement downstream, so only the models
 * with no changed ancestor are needed. Seeds are never restated by SQLMesh (their data is the file), so their
 * children take their place. Per-model start dates from the settings split the roots into groups, one per start.
 */
export function selectRestatementRoots(
  changed: Iterable<string>,
  graph: ModelGraph,
  defaultStart: string,
  settings: BackfillSettings = new Map()
): RootSelection {
  const excluded: { model: string; reason: string }[] = []
  const candidates = new Set<string>()
  const visit = (name: string): void => {
    const model = graph.model(name)
    if (!model) return
    const setting = settings.get(name)
    if (setting && !setting.backfill) {
      excluded.push({ model: name, reason: 'backfill: false in the backfill settings file' })
      return
    }
    if (model.kind === 'SEED') {
      excluded.push({ model: name, reason: 'seed: its data is its CSV file; its children are restated instead' })
      graph.childrenOf(name).forEach(visit)
      return
    }
    if (model.isExternal) {
      excluded.push({ model: name, reason: 'external table: not built by SQLMesh; its children are restated instead' })
      graph.childrenOf(name).forEach(visit)
      return
    }
    candidates.add(name)
  }
  for (const name of changed) visit(name)
  // A candidate downstream of another one is restated by that one's cascade.
  const cascaded = graph.withDownstream([...candidates].flatMap(name => graph.childrenOf(name)))
  const roots = graph.topologicalOrder(candidates).filter(name => !cascaded.has(name))
  const byStart = new Map<string, string[]>()
  for (const root of roots) {
    const start = settings.get(root)?.startDate ?? defaultStart
    byStart.set(start, [...(byStart.get(start) ?? []), root])
  }
  const groups = [...byStart.entries()].map(([start, models]) => ({ start, models }))
  return { groups, excluded: dedupe(excluded) }
}

function dedupe<T extends { model: string }>(items: T[]): T[] {
  const seen = new Set<string>()
  return items.filter(item => (seen.has(item.model) ? false : (seen.add(item.model), true)))
}

/** How SQLMesh's planned range for a model compares with the range asked for. */
export type RangeAdjustment = 'as-requested' | 'clamped' | 'widened'

export function rangeAdjustment(requestedStart: number, planned: TimeWindow): RangeAdjustment {
  if (planned.start > requestedStart) return 'clamped'
  if (planned.start < requestedStart) return 'widened'
  return 'as-requested'
}

export type BackfillStatus = 'rebuilt' | 'failed' | 'not-attempted' | 'skipped' | 'planned'

export interface ModelBackfill {
  readonly model: string
  readonly status: BackfillStatus
  readonly interval: TimeWindow | null
  readonly adjustment: RangeAdjustment | null
  readonly note: string
  readonly seconds: number | null
  readonly rowsBefore: number | null
  readonly rowsAfter: number | null
  readonly error: string | null
}

/** What SQLMesh reported for one restatement (names are model names). */
export interface RestatementOutcome {
  readonly requestedStart: number
  readonly planned: ReadonlyMap<string, TimeWindow>
  readonly applied: boolean
  readonly evaluated: ReadonlyMap<string, number>
  readonly failed: ReadonlyMap<string, string>
  readonly skipped: ReadonlySet<string>
  readonly rowsBefore: ReadonlyMap<string, number | null>
  readonly rowsAfter: ReadonlyMap<string, number | null>
  readonly error: string | null
}

/**
 * One row per model of the chain, upstream first: planned or rebuilt, failed with SQLMesh's error, not attempted
 * because something upstream failed, or skipped with the reason.
 */
export function backfillRows(
  chain: readonly string[],
  graph: ModelGraph,
  outcomes: readonly RestatementOutcome[],
  excluded: RootSelection['excluded']
): ModelBackfill[] {
  const excludedReason = new Map(excluded.map(item => [item.model, item.reason]))
  const failedUpstream = new Set<string>()
  return chain.map(name => {
    const model = graph.model(name)
    const planned = outcomes.filter(candidate => candidate.planned.has(name))
    if (planned.length === 0) {
      const reason =
        excludedReason.get(name) ??
        (model?.restatementDisabled
          ? 'restatement disabled on the model (disable_restatement)'
          : 'SQLMesh planned no interval to rebuild')
      return {
        model: name,
        status: 'skipped',
        interval: null,
        adjustment: null,
        note: reason,
        seconds: null,
        rowsBefore: null,
        rowsAfter: null,
        error: null
      }
    }
    // A model can be restated by more than one group (each cascades downstream): the worst outcome is its status.
    const rows = planned.map(outcome => rowFor(name, outcome, graph, failedUpstream))
    const worst = rows.reduce((a, b) => (SEVERITY[b.status] > SEVERITY[a.status] ? b : a))
    if (worst.status === 'failed' || worst.status === 'not-attempted') failedUpstream.add(name)
    return worst
  })
}

const SEVERITY: Record<BackfillStatus, number> = { skipped: 0, planned: 1, rebuilt: 2, 'not-attempted': 3, failed: 4 }

function rowFor(
  name: string,
  outcome: RestatementOutcome,
  graph: ModelGraph,
  failedUpstream: ReadonlySet<string>
): ModelBackfill {
  const model = graph.model(name)
  const interval = clampToModelStart(outcome.planned.get(name) as TimeWindow, model?.startMs ?? null)
  const adjustment = rangeAdjustment(outcome.requestedStart, interval)
  const note = adjustmentNote(adjustment, model?.kind ?? '', model?.start ?? null)
  const base = {
    model: name,
    interval,
    adjustment,
    note,
    seconds: null,
    rowsBefore: null,
    rowsAfter: null,
    error: null
  }
  if (!outcome.applied) return { ...base, status: 'planned' }
  const rows = { rowsBefore: outcome.rowsBefore.get(name) ?? null, rowsAfter: outcome.rowsAfter.get(name) ?? null }
  const error = outcome.failed.get(name)
  if (error !== undefined) return { ...base, ...rows, status: 'failed', error }
  if (outcome.skipped.has(name) || graph.parentsOf(name).some(parent => failedUpstream.has(parent))) {
    return { ...base, ...rows, status: 'not-attempted', note: 'an upstream model failed' }
  }
  if (outcome.error !== null && !outcome.evaluated.has(name)) {
    return { ...base, ...rows, status: 'not-attempted', note: outcome.error }
  }
  return { ...base, ...rows, status: 'rebuilt', seconds: outcome.evaluated.get(name) ?? null }
}

/** SQLMesh records the restated range as asked but never evaluates a model before its own start. */
export function clampToModelStart(planned: TimeWindow, modelStart: number | null): TimeWindow {
  return modelStart !== null && modelStart > planned.start
    ? { start: Math.min(modelStart, planned.end), end: planned.end }
    : planned
}

function adjustmentNote(adjustment: RangeAdjustment, kind: string, modelStart: string | null): string {
  if (adjustment === 'clamped') return `clamped to the model's own start${modelStart ? ` (${modelStart})` : ''}`
  if (adjustment === 'widened') return `widened: a ${kind} model can only rebuild all of its history`
  return ''
}
