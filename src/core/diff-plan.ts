// Decides, per model of the affected chain, whether the table diff can compare it and over which window. Pure.

import { diffWindow, spanOf } from './window.js'
import type { ModelGraph } from './graph.js'
import type { EnvironmentSnapshot, ModelDiff, TimeWindow } from './types.js'

export interface DiffTask {
  readonly model: string
  readonly window: TimeWindow | null
  /**
   * For a model rebuilt in full (no time column) from an upstream model that the PR environment holds only for a
   * window: that upstream model and its window. Rows outside the window then differ because of the window, not the
   * change, and the report says so.
   */
  readonly partialUpstream: PartialUpstream | null
}

export interface PartialUpstream {
  readonly model: string
  readonly window: TimeWindow
}

export type DiffDecision = { readonly action: 'diff'; readonly task: DiffTask } | { readonly action: 'skip'; readonly result: ModelDiff }

export interface DiffPlanInput {
  readonly chain: readonly string[]
  readonly changed: ReadonlySet<string>
  readonly scope: 'affected' | 'changed'
  readonly graph: ModelGraph
  readonly prod: EnvironmentSnapshot
  readonly pr: EnvironmentSnapshot
}

export function planDiffs(input: DiffPlanInput): DiffDecision[] {
  const partial = partialHistory(input)
  return input.chain.map(name => decide(name, input, partial.get(name) ?? null))
}

/**
 * Which models of the chain the PR environment builds from less history than prod has: time-ranged models whose PR
 * window starts after prod's data does, and everything downstream of them. Chain order is upstream first.
 */
export function partialHistory({ chain, graph, prod, pr }: DiffPlanInput): Map<string, PartialUpstream> {
  const partial = new Map<string, PartialUpstream>()
  for (const name of chain) {
    const model = graph.model(name)
    if (!model) continue
    const fromParent = graph.parentsOf(name).map(parent => partial.get(parent)).find(Boolean)
    if (fromParent) {
      partial.set(name, fromParent)
      continue
    }
    const window = diffWindow(model.timeColumn, prod.get(model.fqn), pr.get(model.fqn))
    const prodSpan = spanOf(prod.get(model.fqn)?.intervals ?? [])
    if (window && window !== 'empty' && prodSpan && window.start > prodSpan.start) partial.set(name, { model: name, window })
  }
  return partial
}

function decide(name: string, { changed, scope, graph, prod, pr }: DiffPlanInput, partial: PartialUpstream | null): DiffDecision {
  const skip = (reason: Extract<ModelDiff, { status: 'not-diffed' }>['reason'], detail: string): DiffDecision => ({
    action: 'skip',
    result: { model: name, status: 'not-diffed', reason, detail }
  })
  const model = graph.model(name)
  if (!model) return skip('removed', 'The model is gone from the pull request.')
  if (scope === 'changed' && !changed.has(name)) {
    return skip('out-of-scope', "Downstream of a change; not diffed because diff-scope is 'changed'.")
  }
  if (model.isExternal) return skip('external', 'External table: SQLMesh does not build it, so both sides read the same data.')
  const inProd = prod.get(model.fqn)
  const inPr = pr.get(model.fqn)
  if (!inProd) return skip('added', 'New model: it does not exist in prod yet.')
  if (!inPr) return skip('removed', 'The model is not in the pull request environment.')
  if (inProd.fingerprint === inPr.fingerprint) return skip('unchanged', 'Same version as prod.')
  if (inProd.version === inPr.version && !inPr.forwardOnly) {
    return skip('shares-prod-table', 'Non-breaking change upstream: the PR environment reuses the prod table, so the data is identical.')
  }
  if (model.grain.length === 0) {
    return skip('no-grain', `No grain, so rows cannot be matched. Fix: declare the unique key of ${name} as its grain (grain in the MODEL block, or grains= in a Python model).`)
  }
  const window = diffWindow(model.timeColumn, inProd, inPr)
  if (window === 'empty') {
    return skip('unchanged', 'The pull request environment holds no interval that prod also holds: nothing to compare.')
  }
  const partialUpstream = window === null && partial && partial.model !== name ? partial : null
  return { action: 'diff', task: { model: name, window, partialUpstream } }
}
