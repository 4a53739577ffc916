// Part 3: the pure graph work (files -> models, affected chain, topological order) with the real src/core modules,
// compiled by tsc into a temporary folder (the bundle in dist/ does not export them), on 500 / 5,000 / 50,000 models.

import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT } from '../../support/scenario.mjs'
import { median } from './stats.mjs'

export const GRAPH_SIZES = [500, 5_000, 50_000]
const WORKER = fileURLToPath(new URL('./graph-worker.mjs', import.meta.url))

/** Compiles src/core with bench/tsconfig.core.json; returns the folder holding graph.js and changes.js. */
export function compileCore() {
  const outDir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-core-'))
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', join(ROOT, 'bench', 'tsconfig.core.json'), '--outDir', outDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  // The compiled files are ES modules (module NodeNext, and the repository's package.json says "type": "module",
  // which this temporary folder does not see).
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n')
  return outDir
}

/**
 * Per size: the median of `runs` passes per phase, the first (cold) pass, and the cost per model.
 * @param {{ coreDir: string, runs: number, log: (message: string) => void }} options
 */
export function benchGraph({ coreDir, runs, log }) {
  return GRAPH_SIZES.map(size => {
    const output = execFileSync(process.execPath, [WORKER, coreDir, String(size), String(runs)], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024
    })
    const { passes } = JSON.parse(output)
    const phase = key => median(passes.map(pass => pass[key]))
    const result = {
      size,
      chainLength: passes[0].chainLength,
      changed: passes[0].changed,
      build: phase('build'),
      filesToModels: phase('filesToModels'),
      changeSet: phase('changeSet'),
      affectedChain: phase('affectedChain'),
      total: phase('total'),
      cold: passes[0].total,
      topologicalOrderAll: phase('topologicalOrderAll'),
      msPerModel: phase('total') / size
    }
    log(
      `${size} models: ${result.total.toFixed(1)} ms median (${result.cold.toFixed(1)} ms cold), chain of ${result.chainLength}`
    )
    return result
  })
}
