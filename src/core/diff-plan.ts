// Decides, per model of the affected chain, whether the table diff can compare it and over which window. Pure.

import { diffWindow } from './window.js'
import type { ModelGraph } from './graph.js'
import type { EnvironmentSnapshot, ModelDiff, TimeWindow } from './types.js'

export interface DiffTask {
  readonly model: string
  readonly window: TimeWindow | null
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
  return input.chain.map(name => decide(name, input))
}

function decide(name: string, { changed, scope, graph, prod, pr }: DiffPlanInput): DiffDecision {
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
    return skip('no-grain', `No grain, so rows cannot be matched. Fix: add \`grain <unique key column>\` to the MODEL block of ${name}.`)
  }
  const window = diffWindow(model.timeColumn, inProd, inPr)
  if (window === 'empty') {
    return skip('unchanged', 'The pull request environment holds no interval that prod also holds: nothing to compare.')
  }
  return { action: 'diff', task: { model: name, window } }
}
