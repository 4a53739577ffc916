// The manual modes (workflow_dispatch): backfill named models from a start date, or diff named models between two
// environments. Models may be given in any order; they are taken upstream first.

import * as core from '@actions/core'
import { ModelGraph } from '../core/graph.js'
import { InputError } from '../inputs.js'
import { renderPrSections } from '../report/pr-report.js'
import { code } from '../report/markdown.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { backfill, reportBackfill, resolveBackfillRange } from './backfill.js'
import { startSqlMesh, step, type FlowContext, writeSummarySections } from './context.js'
import { diffModels, diffResults, modelFacts } from './diff.js'
import type { ModelDiff } from '../core/types.js'
import { coverageOf } from '../core/coverage.js'

export async function runManualBackfill(context: FlowContext): Promise<void> {
  await withSqlMesh(context, async sqlmesh => {
    const graph = new ModelGraph(sqlmesh.models)
    const models = graph.topologicalOrder(requireModels(context, graph))
    const range = await resolveBackfillRange(context, sqlmesh)
    core.info(`Backfilling ${models.join(', ')} (upstream first) from ${range.start}`)
    const rows = await step('Backfill', () => backfill(context, sqlmesh, graph, models, range))
    const title = `SQLMesh backfill of ${models.map(code).join(', ')}`
    const run = {
      title,
      commitSha: process.env.GITHUB_SHA ?? '',
      notes: [],
      rows,
      range,
      sqlmeshVersion: sqlmesh.version
    }
    await reportBackfill(context, run, null, null)
  })
}

export async function runManualDiff(context: FlowContext): Promise<void> {
  const source = context.settings.sourceEnvironment || context.settings.prodEnvironment
  const target = context.settings.targetEnvironment
  if (!target)
    throw new InputError(
      "Input 'target-environment' is empty: the diff mode compares 'source-environment' (default prod) with it."
    )
  await withSqlMesh(context, async sqlmesh => {
    const graph = new ModelGraph(sqlmesh.models)
    const models = graph.topologicalOrder(requireModels(context, graph))
    const diffs = await step(`Table diff ${source} vs ${target}`, () =>
      diffModels(context, sqlmesh, graph, { models, changed: models, source, target })
    )
    const sections = renderPrSections({
      environment: target,
      prodEnvironment: source,
      environments: { source, target },
      environmentStart: '',
      changed: versionDiffers(diffs),
      chain: models,
      edges: graph.edgesWithin(models),
      diffs,
      noSemanticChange: [],
      changedIndirectlyByFiles: [],
      projectFiles: [],
      removed: [],
      headSha: process.env.GITHUB_SHA ?? '',
      sqlmeshVersion: sqlmesh.version,
      failing: [],
      failOn: 'never',
      models: modelFacts(graph, models)
    })
    await writeSummarySections(sections)
    core.setOutput('affected-models', JSON.stringify(models))
    core.setOutput('diff-results', diffResults(diffs))
  })
}

/** The `models` input, checked against the project: every unknown name is listed with the closest known ones. */
function requireModels(context: FlowContext, graph: ModelGraph): string[] {
  const models = context.settings.models
  if (models.length === 0)
    throw new InputError(`Input 'models' is empty: the ${context.settings.mode} mode needs the models to work on.`)
  const unknown = models.filter(name => !graph.has(name))
  if (unknown.length > 0) {
    const known = graph.modelsList().map(model => model.name)
    const hints = unknown.map(name => {
      const close = known.filter(
        candidate => candidate.endsWith(`.${name.split('.').pop()}`) || candidate.includes(name)
      )
      return close.length > 0 ? `'${name}' (did you mean ${close.slice(0, 3).join(', ')}?)` : `'${name}'`
    })
    throw new InputError(`Input 'models' names models this project does not have: ${hints.join(', ')}.`)
  }
  return [...models]
}

async function withSqlMesh(context: FlowContext, work: (sqlmesh: SqlMesh) => Promise<void>): Promise<void> {
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    await work(sqlmesh)
  } finally {
    await sqlmesh.close()
  }
}

/**
 * The named models whose version differs between the two environments, which the report marks and highlights: not
 * those that provably hold the same data (the same version, the same table, an external or embedded model).
 */
export function versionDiffers(diffs: readonly ModelDiff[]): string[] {
  return diffs.filter(diff => coverageOf(diff) !== 'not-needed').map(diff => diff.model)
}
