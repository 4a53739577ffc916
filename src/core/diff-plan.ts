// Decides, per model of the affected chain, whether the table diff can compare it and over which window. Pure.

import { diffWindow, spanOf } from './window.js'
import type { ModelGraph } from './graph.js'
import type {
  EnvironmentModel,
  EnvironmentSnapshot,
  ModelDiff,
  ModelInfo,
  NotDiffedReason,
  TimeWindow
} from './types.js'

export interface DiffTask {
  readonly model: string
  readonly window: TimeWindow | null
  /**
   * For a model rebuilt in full (no time column) from an upstream model that the PR environment holds only for a
   * window: that upstream model and its window. Rows outside the window then differ because of the window, not the
   * change, and the report says so.
   */
  readonly partialUpstream: PartialUpstream | null
  /** A forward-only change, compared through SQLMesh's preview in the PR environment. */
  readonly preview: boolean
}

export interface PartialUpstream {
  readonly model: string
  readonly window: TimeWindow
}

export type DiffDecision =
  { readonly action: 'diff'; readonly task: DiffTask } | { readonly action: 'skip'; readonly result: ModelDiff }

export interface DiffPlanInput {
  readonly chain: readonly string[]
  readonly changed: ReadonlySet<string>
  readonly scope: 'affected' | 'changed'
  readonly graph: ModelGraph
  readonly prod: EnvironmentSnapshot
  readonly pr: EnvironmentSnapshot
  /**
   * What the PR environment's plan covered ([environment-start, environment-end or now)); a forward-only change is
   * previewed over it. Null: each model's own start (the preview then covers what prod holds).
   */
  readonly planWindow?: TimeWindow | null
  /** Models the PR environment rebuilt from their own start: they hold the history prod holds. */
  readonly fullHistory?: ReadonlySet<string>
}

export function planDiffs(input: DiffPlanInput): DiffDecision[] {
  const partial = partialHistory(input)
  return input.chain.map(name => decide(name, input, partial.get(name) ?? null))
}

/**
 * Which models of the chain the PR environment builds from less history than prod has: time-ranged models whose PR
 * window starts after prod's data does, and everything downstream of them. Chain order is upstream first.
 */
export function partialHistory({ chain, graph, prod, pr, fullHistory }: DiffPlanInput): Map<string, PartialUpstream> {
  const partial = new Map<string, PartialUpstream>()
  for (const name of chain) {
    const model = graph.model(name)
    if (!model || fullHistory?.has(name)) continue
    const fromParent = graph
      .parentsOf(name)
      .map(parent => partial.get(parent))
      .find(Boolean)
    if (fromParent) {
      partial.set(name, fromParent)
      continue
    }
    const window = diffWindow(model.timeColumn, prod.get(model.fqn), pr.get(model.fqn))
    const prodSpan = spanOf(prod.get(model.fqn)?.intervals ?? [])
    if (window && window !== 'empty' && prodSpan && window.start > prodSpan.start)
      partial.set(name, { model: name, window })
  }
  return partial
}

/**
 * The models whose rows in a windowed PR environment would depend on history the window leaves out, so that they
 * differ from prod for reasons unrelated to the change: models that read their own earlier rows, and full rebuilds
 * (no time column) of windowed models. Returns the windowed models to rebuild for them, upstream first. The PR flow rebuilds these
 * from their own start in the PR environment; SQLMesh cascades that rebuild downstream.
 */
export function historyDependent(input: DiffPlanInput): string[] {
  const partial = partialHistory(input)
  const roots = new Set<string>()
  for (const name of input.chain) {
    const model = input.graph.model(name)
    const from = partial.get(name)
    if (!model || !from || !builtInPr(model, input)) continue
    // The rebuild starts at the most upstream windowed model feeding it (itself, for a self-reference read from a
    // window): rebuilding only the model would read that parent's windowed rows.
    if (model.dependsOnSelf || !model.timeColumn) roots.add(from.model)
  }
  return input.chain.filter(name => roots.has(name))
}

/** The PR environment holds a new version of the model (a table of its own), not prod's. */
function builtInPr(model: ModelInfo, { prod, pr }: DiffPlanInput): boolean {
  const inProd = prod.get(model.fqn)
  const inPr = pr.get(model.fqn)
  return Boolean(
    inProd && inPr && inProd.fingerprint !== inPr.fingerprint && (inProd.version !== inPr.version || inPr.forwardOnly)
  )
}

function decide(name: string, input: DiffPlanInput, partial: PartialUpstream | null): DiffDecision {
  const skip = (reason: NotDiffedReason, detail: string): DiffDecision => ({
    action: 'skip',
    result: { model: name, status: 'not-diffed', reason, detail }
  })
  const { changed, scope, graph, prod, pr } = input
  const model = graph.model(name)
  if (!model) return skip('removed', 'The model is gone from the pull request.')
  if (model.isExternal)
    return skip('external', 'External table: SQLMesh does not build it, so both sides read the same data.')
  if (model.kind === 'EMBEDDED') return skip('embedded', embeddedDetail(name, graph))
  if (scope === 'changed' && !changed.has(name)) {
    return skip('out-of-scope', "Downstream of a change; not compared because diff-scope is 'changed'.")
  }
  const inProd = prod.get(model.fqn)
  const inPr = pr.get(model.fqn)
  if (!inProd) return skip('added', 'New model: it does not exist in prod yet.')
  if (!inPr)
    return skip('not-found', 'The model is missing from the pull request environment, so it could not be compared.')
  if (inProd.fingerprint === inPr.fingerprint) return skip('unchanged', 'Same version as prod.')
  if (inProd.version === inPr.version && !inPr.forwardOnly) {
    return skip(
      'shares-prod-table',
      'Non-breaking change upstream: the PR environment reuses the prod table, so the data is identical.'
    )
  }
  // SQLMesh marks every change forward-only where prod is not virtual (a dbt project's dev_only mode); only an
  // incremental model's PR table is then a partial preview worth naming.
  const preview = inPr.forwardOnly && model.kind.startsWith('INCREMENTAL')
  const window = diffWindow(
    model.timeColumn,
    inProd,
    builtSpan(inProd, inPr, input.planWindow ?? null, input.fullHistory?.has(name) ?? false)
  )
  if (window === 'empty') {
    return skip(
      'empty-window',
      'The pull request environment holds no interval that prod also holds, so nothing could be compared. Set environment-start inside the range prod holds.'
    )
  }
  const partialUpstream = window === null && partial && partial.model !== name ? partial : null
  return { action: 'diff', task: { model: name, window, partialUpstream, preview } }
}

/** What the PR environment holds of a model: a preview over the plan's window, prod's span when rebuilt from its start. */
function builtSpan(
  inProd: EnvironmentModel,
  inPr: EnvironmentModel,
  planWindow: TimeWindow | null,
  rebuilt: boolean
): EnvironmentModel {
  if (rebuilt) return { ...inPr, intervals: inProd.intervals }
  return inPr.forwardOnly ? previewOf(inPr, planWindow) : inPr
}

/**
 * A forward-only change keeps prod's version; SQLMesh previews it in a table of the PR environment over the plan's
 * window. Its recorded intervals cannot tell a filled preview from an empty one (both span everything), so the window
 * comes from the plan, and an empty preview is told by its row count after the diff (see flows/diff.ts).
 */
function previewOf(inPr: EnvironmentModel, planWindow: TimeWindow | null): EnvironmentModel {
  return planWindow ? { ...inPr, intervals: [planWindow] } : inPr
}

/** The forward-only result when the preview holds no row where prod has some: SQLMesh did not preview it. */
export function notPreviewed(model: string): ModelDiff {
  return {
    model,
    status: 'not-diffed',
    reason: 'forward-only',
    detail: 'Forward-only: not previewed; on merge it applies to new intervals only.'
  }
}

function embeddedDetail(name: string, graph: ModelGraph): string {
  const children = graph.childrenOf(name)
  const into = children.length > 0 ? ` into ${children.join(', ')}` : ''
  return `Embedded: it has no table; SQLMesh inlines it${into}, and its effect is compared through ${children.length === 1 ? 'that model' : 'them'}.`
}
