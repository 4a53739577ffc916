// Part 3's measuring child: `node graph-worker.mjs <compiled core dir> <models> <runs>` prints one JSON line with the
// timings. One process per graph size, so that its first run is as cold as the action's single pass (no JIT warmed
// up by a smaller graph), and the later runs show the warm cost.

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { pickDistinct, pickIndex, seededRandom } from './random.mjs'

const PROJECT = 'analytics'
const LAYERS = 20

/**
 * A layered DAG of `size` models: layer 0 reads only tables outside the project; every later model reads one model
 * of the layer right above it and one of any earlier layer (about two parents each, as in dbt-style projects).
 * @param {number} size
 */
export function generateGraph(size) {
  const random = seededRandom(size)
  const perLayer = Math.ceil(size / LAYERS)
  const layers = []
  const models = []
  for (let i = 0; i < size; i++) {
    const layer = Math.floor(i / perLayer)
    const schema = `layer_${String(layer).padStart(2, '0')}`
    const table = `model_${String(i).padStart(6, '0')}`
    const fqn = `"warehouse"."${schema}"."${table}"`
    const parents = []
    if (layer === 0) parents.push(`"warehouse"."raw"."source_${i % 50}"`)
    else {
      const above = layers[layer - 1]
      parents.push(above[pickIndex(random, above.length)].fqn)
      const earlier = layers[pickIndex(random, layer)]
      const second = earlier[pickIndex(random, earlier.length)].fqn
      if (second !== parents[0]) parents.push(second)
    }
    const model = {
      name: `${schema}.${table}`,
      fqn,
      path: `${PROJECT}/models/${schema}/${table}.sql`,
      kind: 'FULL',
      isExternal: false,
      seedPath: null,
      timeColumn: null,
      grain: ['id'],
      dependsOn: parents,
      start: null,
      startMs: null,
      restatementDisabled: false
    }
    ;(layers[layer] ??= []).push(model)
    models.push(model)
  }
  // 1% of the model files change, plus two project files that map to no model (a macro, the README).
  const changedModels = pickDistinct(random, models, Math.max(1, Math.round(size / 100)))
  const files = [
    ...changedModels.map(model => ({ path: model.path, status: 'modified' })),
    { path: `${PROJECT}/macros/util.py`, status: 'modified' },
    { path: 'README.md', status: 'modified' }
  ]
  return { models, files, changedNames: changedModels.map(model => model.name) }
}

/**
 * One pass of what the PR flow does with the graph (src/flows/pr.ts and changes.ts): build it, map the changed files
 * to models, combine with SQLMesh's fingerprint view, take the affected chain; then, on a second fresh graph, the
 * topological order of every model (the cold global order on its own).
 */
function onePass(core, generated) {
  const t0 = performance.now()
  const graph = new core.ModelGraph(generated.models)
  const t1 = performance.now()
  const mappings = core.mapFilesToModels(generated.files, graph.modelsList(), PROJECT)
  const t2 = performance.now()
  const fingerprints = {
    environmentExists: true,
    directlyModified: generated.changedNames,
    indirectlyModified: [],
    added: [],
    removed: []
  }
  const changeSet = core.buildChangeSet(mappings, fingerprints, graph)
  const t3 = performance.now()
  const chain = graph.affectedChain(changeSet.changed)
  const t4 = performance.now()
  const fresh = new core.ModelGraph(generated.models)
  const names = generated.models.map(model => model.name)
  const t5 = performance.now()
  const order = fresh.topologicalOrder(names)
  const t6 = performance.now()
  if (order.length !== names.length) throw new Error('topological order lost models')
  return {
    build: t1 - t0,
    filesToModels: t2 - t1,
    changeSet: t3 - t2,
    affectedChain: t4 - t3,
    total: t4 - t0,
    topologicalOrderAll: t6 - t5,
    chainLength: chain.length,
    changed: changeSet.changed.length
  }
}

async function main([coreDir, sizeText, runsText]) {
  const graphModule = await import(pathToFileURL(join(coreDir, 'graph.js')).href)
  const changesModule = await import(pathToFileURL(join(coreDir, 'changes.js')).href)
  const core = { ...graphModule, ...changesModule }
  const generated = generateGraph(Number(sizeText))
  const passes = []
  for (let i = 0; i < Number(runsText); i++) passes.push(onePass(core, generated))
  process.stdout.write(`${JSON.stringify({ size: Number(sizeText), passes })}\n`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2))
}
