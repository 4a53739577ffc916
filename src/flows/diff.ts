// Table diffs between two environments: the PR flow's prod vs PR environment, and the manual diff mode.

import * as core from '@actions/core'
import { mapLimit } from '../core/concurrency.js'
import { notPreviewed, planDiffs, type DiffTask } from '../core/diff-plan.js'
import type { ModelGraph } from '../core/graph.js'
import { coverageOf } from '../core/coverage.js'
import type { ModelFacts } from '../report/pr-report.js'
import type { EnvironmentSnapshot, GrainProblem, ModelDiff, TimeWindow } from '../core/types.js'
import { formatInstant } from '../core/window.js'
import { SqlMeshError, type SqlMesh } from '../sqlmesh/client.js'
import { describeStateLocation, type FlowContext } from './context.js'

export interface DiffSelection {
  /** Models to compare, upstream first. */
  readonly models: readonly string[]
  /** The directly changed ones (diff-scope 'changed' compares only these). */
  readonly changed: readonly string[]
  readonly source: string
  readonly target: string
  /** Models the PR environment rebuilt from their own start (they depend on their history). */
  readonly fullHistory?: ReadonlySet<string>
  /** What the target environment's plan covered, for forward-only previews. */
  readonly planWindow?: TimeWindow | null
}

/** Table diffs of the selected models between two environments, one result per model, in the same order. */
export async function diffModels(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  selection: DiffSelection
): Promise<ModelDiff[]> {
  if (selection.models.length === 0) return []
  const { source, target } = await readEnvironments(context, sqlmesh, selection)
  const decisions = planDiffs({
    chain: selection.models,
    changed: new Set(selection.changed),
    scope: context.settings.diffScope,
    graph,
    prod: source,
    pr: target,
    planWindow: selection.planWindow ?? null,
    fullHistory: selection.fullHistory ?? new Set()
  })
  // Independent diffs run side by side (bounded by diff-concurrency and the gateway), in worker processes the SQLMesh
  // process forks after its one load; it is told how many will come, since workers cost a fixed time to start.
  const batchSize = decisions.filter(decision => decision.action === 'diff').length
  return mapLimit(decisions, context.settings.diffConcurrency, decision =>
    decision.action === 'skip'
      ? Promise.resolve(decision.result)
      : diffModel(context, sqlmesh, graph, decision.task, selection, batchSize)
  )
}

export async function readEnvironments(
  context: FlowContext,
  sqlmesh: SqlMesh,
  selection: Pick<DiffSelection, 'source' | 'target'>
): Promise<{ source: EnvironmentSnapshot; target: EnvironmentSnapshot }> {
  const prod = context.settings.prodEnvironment
  const source = await sqlmesh.environment(selection.source, selection.source === prod)
  const target = await sqlmesh.environment(selection.target, selection.target === prod)
  const where = describeStateLocation(sqlmesh.state)
  if (!source) throw new Error(`Environment '${selection.source}' does not exist in SQLMesh's state (${where}).`)
  if (!target) throw new Error(`Environment '${selection.target}' does not exist in SQLMesh's state (${where}).`)
  return { source, target }
}

async function diffModel(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  task: DiffTask,
  selection: DiffSelection,
  batchSize: number
): Promise<ModelDiff> {
  const model = graph.model(task.model)
  const timeColumn = model?.timeColumn
  const window =
    task.window && timeColumn
      ? { column: timeColumn, start: formatInstant(task.window.start), end: formatInstant(task.window.end) }
      : null
  core.info(`Diffing ${task.model}${window ? ` on ${window.column} in [${window.start}, ${window.end})` : ''}`)
  try {
    const comparison = await sqlmesh.tableDiff({
      source: selection.source,
      target: selection.target,
      fqn: model?.fqn ?? task.model,
      window,
      sampleRows: context.settings.sampleRows,
      decimals: context.settings.decimals,
      batchSize
    })
    if (!comparison) {
      return {
        model: task.model,
        status: 'not-diffed',
        reason: 'not-found',
        detail: 'An environment has no snapshot of this model, so it could not be compared.'
      }
    }
    if (task.preview && comparison.rows.pr === 0 && comparison.rows.prod > 0) return notPreviewed(task.model)
    if (comparison.grainProblem) core.warning(`${task.model}: ${grainWarning(comparison.grainProblem)}`)
    return {
      model: task.model,
      status: 'diffed',
      window: task.window,
      partialUpstream: task.partialUpstream,
      ...(task.preview ? { preview: true } : {}),
      ...(selection.fullHistory?.has(task.model) ? { fullHistory: true } : {}),
      ...comparison
    }
  } catch (error) {
    if (!(error instanceof SqlMeshError)) throw error
    core.warning(`Table diff of ${task.model} failed: ${error.message}`)
    return {
      model: task.model,
      status: 'not-diffed',
      reason: 'error',
      detail: `Table diff failed: ${firstLine(error.message)}`
    }
  }
}

function grainWarning(problem: GrainProblem): string {
  if (problem.kind === 'missing-columns')
    return `its grain names ${problem.missing.join(', ')}, which it does not have; compared as whole rows.`
  return `its grain is not unique (duplicate keys: ${problem.duplicateKeys.prod} in prod, ${problem.duplicateKeys.pr} in the PR); compared as whole rows.`
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

/** Kind and source language of each model of the chain, for the report's labels and advice. */
export function modelFacts(graph: ModelGraph, chain: readonly string[]): Map<string, ModelFacts> {
  const facts = new Map<string, ModelFacts>()
  for (const name of chain) {
    const model = graph.model(name)
    if (!model) continue
    const source = model.fromDbt ? 'dbt' : model.path?.endsWith('.py') ? 'python' : 'sql'
    facts.set(name, { kind: model.kind, source })
  }
  return facts
}

/** The `diff-results` output: each result says how it was covered, so a model not compared never reads as "no difference". */
export function diffResults(diffs: readonly ModelDiff[]): string {
  return JSON.stringify(diffs.map(diff => ({ ...diff, coverage: coverageOf(diff) })))
}
