// Table diffs between two environments: the PR flow's prod vs PR environment, and the manual diff mode.

import * as core from '@actions/core'
import { mapLimit } from '../core/concurrency.js'
import { planDiffs, type DiffTask } from '../core/diff-plan.js'
import type { ModelGraph } from '../core/graph.js'
import type { ModelDiff } from '../core/types.js'
import { formatInstant } from '../core/window.js'
import { SqlMeshError, type SqlMesh } from '../sqlmesh/client.js'
import type { FlowContext } from './context.js'

export interface DiffSelection {
  /** Models to compare, upstream first. */
  readonly models: readonly string[]
  /** The directly changed ones (diff-scope 'changed' compares only these). */
  readonly changed: readonly string[]
  readonly source: string
  readonly target: string
}

/** Table diffs of the selected models between two environments, one result per model, in the same order. */
export async function diffModels(context: FlowContext, sqlmesh: SqlMesh, graph: ModelGraph, selection: DiffSelection): Promise<ModelDiff[]> {
  if (selection.models.length === 0) return []
  const prod = context.settings.prodEnvironment
  const source = await sqlmesh.environment(selection.source, selection.source === prod)
  const target = await sqlmesh.environment(selection.target, selection.target === prod)
  if (!source) throw new Error(`Environment '${selection.source}' does not exist in SQLMesh's state.`)
  if (!target) throw new Error(`Environment '${selection.target}' does not exist in SQLMesh's state.`)
  const decisions = planDiffs({
    chain: selection.models,
    changed: new Set(selection.changed),
    scope: context.settings.diffScope,
    graph,
    prod: source,
    pr: target
  })
  // Independent diffs run side by side in the one SQLMesh process (bounded by diff-concurrency and the gateway).
  return mapLimit(decisions, context.settings.diffConcurrency, decision =>
    decision.action === 'skip' ? Promise.resolve(decision.result) : diffModel(context, sqlmesh, graph, decision.task, selection)
  )
}

async function diffModel(context: FlowContext, sqlmesh: SqlMesh, graph: ModelGraph, task: DiffTask, selection: DiffSelection): Promise<ModelDiff> {
  const timeColumn = graph.model(task.model)?.timeColumn
  const window =
    task.window && timeColumn
      ? { column: timeColumn, start: formatInstant(task.window.start), end: formatInstant(task.window.end) }
      : null
  core.info(`Diffing ${task.model}${window ? ` on ${window.column} in [${window.start}, ${window.end})` : ''}`)
  try {
    const comparison = await sqlmesh.tableDiff({
      source: selection.source,
      target: selection.target,
      model: task.model,
      window,
      sampleRows: context.settings.sampleRows,
      decimals: context.settings.decimals
    })
    if (!comparison) return { model: task.model, status: 'not-diffed', reason: 'unchanged', detail: 'SQLMesh found nothing to compare.' }
    return { model: task.model, status: 'diffed', window: task.window, partialUpstream: task.partialUpstream, ...comparison }
  } catch (error) {
    if (!(error instanceof SqlMeshError)) throw error
    core.warning(`Table diff of ${task.model} failed: ${error.message}`)
    return { model: task.model, status: 'not-diffed', reason: 'error', detail: `Table diff failed: ${firstLine(error.message)}` }
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}
