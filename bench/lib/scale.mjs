// Part 5 (issue 10): the big project. On the generated 2,400-model project (bench/lib/scale-project.mjs), whose pull
// request changes the chain's root (400 affected models) and touches 3,500 files:
// - the peer: SQLMesh's own CLI doing the same work in one process each, `sqlmesh plan <env>` with the same window,
//   then one `sqlmesh table_diff prod:<env> -m 'chain.*'` over all the affected models; and the action on the same
//   pull request. Each side gets a fresh copy of the built repository, and the order alternates between runs.
// - the cost of one table diff in the action, at 50 models (the PR-flow project) and at 2,400;
// - peak memory of the bridge (Python) and of node, at 2,400 models and at 10,000.

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { bridgeTimeline, runPullRequestAction } from './action.mjs'
import { START_DATE } from './project.mjs'
import { copyRepo, sqlmeshCli } from './repo.mjs'
import { median } from './stats.mjs'

const NODE_MEMORY_HOOK = pathToFileURL(new URL('./node-memory.mjs', import.meta.url).pathname).href

/**
 * The peer: what a user would script in a workflow step instead of the action. One plan process with the action's
 * window, then one table_diff process over every affected model (a selector of the chain's schema: SQLMesh diffs the
 * models of the selection whose version changed, i.e. the whole affected chain). Counts the models SQLMesh reported.
 * @param {string} projectDir @param {string} environment @param {string} selector
 */
export function peerRun(projectDir, environment, selector) {
  const started = performance.now()
  sqlmeshCli(projectDir, ['plan', environment, '--start', START_DATE, '--auto-apply', '--no-prompts'])
  const planned = performance.now()
  const output = sqlmeshCli(projectDir, ['table_diff', `prod:${environment}`, '-m', selector])
  const ended = performance.now()
  const diffed = new Set([...output.matchAll(/environments for model '([^']+)'/g)].map(match => match[1]))
  return {
    seconds: (ended - started) / 1000,
    planSeconds: (planned - started) / 1000,
    diffSeconds: (ended - planned) / 1000,
    diffed
  }
}

/**
 * One action run on a pull request, with the probe (loads, per-request timing, the bridge's peak memory) and node's
 * peak memory. `expectFailure` is for the load-only measure, where prod does not exist and the action stops after the
 * load.
 */
export async function scaleActionRun({
  server,
  copy,
  repo,
  number,
  python,
  workDir,
  label,
  inputs = {},
  expectFailure = false
}) {
  const probeLog = join(workDir, `${label}-${number}.jsonl`)
  const nodeMemory = join(workDir, `${label}-${number}-node.json`)
  const { run, seconds, startedAt, events } = await runPullRequestAction({
    server,
    repoDir: copy.dir,
    number,
    base: repo.base,
    head: repo.head,
    python,
    probeLog,
    inputs: { 'environment-start': START_DATE, ...inputs },
    env: { BENCH_NODE_MEMORY: nodeMemory, NODE_OPTIONS: `--import=${NODE_MEMORY_HOOK}` }
  })
  if (!expectFailure && run.code !== 0) {
    throw new Error(`The action failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`)
  }
  const timeline = bridgeTimeline(events)
  const diffResults = JSON.parse(run.outputs['diff-results'] ?? '[]')
  const lastEvent = Math.max(...events.map(event => event.t))
  return {
    seconds,
    code: run.code,
    ...timeline,
    // As in part 1: node start -> the interpreter is up, and the bridge's last event -> node has exited.
    beforePython: timeline.pythonStart - startedAt / 1000,
    afterPython: startedAt / 1000 + seconds - lastEvent,
    affected: JSON.parse(run.outputs['affected-models'] ?? '[]'),
    diffed: diffResults.filter(result => result.status === 'diffed').length,
    memory: {
      ...bridgeMemory(events),
      nodeKiB: existsSync(nodeMemory) ? JSON.parse(readFileSync(nodeMemory, 'utf8')).maxRssKiB : Number.NaN
    },
    stdout: run.stdout
  }
}

/**
 * The bridge's peak resident set size (the probe reads ru_maxrss at every event; the last one is the run's peak), the
 * same once the project is loaded (at the answer to `load`), and the largest child process it waited for.
 */
function bridgeMemory(events) {
  const start = events.find(event => event.event === 'start')
  const own = events.filter(event => event.pid === start?.pid && typeof event.rss === 'number')
  const load = events.find(event => event.event === 'request' && event.method === 'load')
  const loaded = own.find(event => event.event === 'response' && event.id === load?.id)
  return {
    bridgeKiB: Math.max(...own.map(event => event.rss)),
    bridgeAfterLoadKiB: loaded?.rss ?? Number.NaN,
    childKiB: Math.max(0, ...own.map(event => event.children_rss ?? 0))
  }
}

/**
 * Peer and action `runs` times each on the big repository, alternating which goes first.
 * @param {{ repo: ReturnType<typeof import('./scale-repo.mjs').scaleRepo>, server: any, python: string, runs: number,
 *   workDir: string, log: (message: string) => void }} options
 */
export async function benchScalePeer({ repo, server, python, runs, workDir, log }) {
  const expected = [...repo.design.affected].sort()
  const peer = []
  const action = []
  for (let i = 1; i <= runs; i++) {
    const number = 500 + i
    for (const side of i % 2 === 1 ? ['peer', 'action'] : ['action', 'peer']) {
      const copy = copyRepo(repo)
      try {
        if (side === 'peer') {
          const result = peerRun(copy.projectDir, `pr_${number}`, 'chain.*')
          const missing = expected.filter(name => !result.diffed.has(name))
          if (missing.length > 0)
            throw new Error(
              `The peer's table_diff left out ${missing.length} affected models, e.g. ${missing.slice(0, 3).join(', ')}`
            )
          peer.push({ ...result, diffed: result.diffed.size })
          log(
            `run ${i}: peer ${result.seconds.toFixed(1)} s (plan ${result.planSeconds.toFixed(1)} s, table_diff of ${result.diffed.size} models ${result.diffSeconds.toFixed(1)} s)`
          )
        } else {
          const result = await scaleActionRun({ server, copy, repo, number, python, workDir, label: 'scale-action' })
          if (JSON.stringify([...result.affected].sort()) !== JSON.stringify(expected)) {
            throw new Error(
              `The action's affected chain (${result.affected.length}) differs from the generator's (${expected.length})`
            )
          }
          action.push(result)
          log(
            `run ${i}: action ${result.seconds.toFixed(1)} s (${result.contextLoads} project load, ${result.diffed} of ${expected.length} diffed, ` +
              `diffs ${result.phases.tableDiffs.toFixed(1)} s, median diff ${(1000 * median(result.diffLatencies)).toFixed(0)} ms; ` +
              `peak bridge ${mib(result.memory.bridgeKiB)}, node ${mib(result.memory.nodeKiB)})`
          )
        }
      } finally {
        copy.remove()
      }
    }
  }
  const peerMedian = median(peer.map(run => run.seconds))
  const actionMedian = median(action.map(run => run.seconds))
  return {
    models: repo.design.models.length,
    edges: repo.design.edges,
    affected: expected.length,
    changedFiles: repo.changedFiles,
    peer,
    action,
    peerMedian,
    actionMedian,
    ratio: peerMedian / actionMedian
  }
}

/**
 * The action on the 50-model PR-flow project, for the per-diff cost at 50 models (when part 1 did not run already).
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any, python: string, runs: number,
 *   workDir: string, log: (message: string) => void }} options
 */
export async function benchSmallDiffs({ repo, server, python, runs, workDir, log }) {
  const results = []
  for (let i = 1; i <= runs; i++) {
    const copy = copyRepo(repo)
    try {
      const result = await scaleActionRun({
        server,
        copy,
        repo,
        number: 600 + i,
        python,
        workDir,
        label: 'small-action'
      })
      results.push(result)
      log(
        `run ${i}: action on ${repo.design.models.length} models ${result.seconds.toFixed(1)} s, median diff ${(1000 * median(result.diffLatencies)).toFixed(0)} ms`
      )
    } finally {
      copy.remove()
    }
  }
  return results
}

/**
 * Peak memory at a larger size. With prod built, a whole run; without, the action loads the project and stops at
 * "prod does not exist" (building prod for 10,000 models costs SQLMesh about 20 CPU-minutes here).
 */
export async function benchMemory({ repo, server, python, workDir, log }) {
  const copy = copyRepo(repo)
  try {
    const result = await scaleActionRun({
      server,
      copy,
      repo,
      number: 700,
      python,
      workDir,
      label: 'memory',
      expectFailure: !repo.prod
    })
    if (repo.prod && result.code !== 0) throw new Error(`The action failed at ${repo.design.models.length} models`)
    if (!repo.prod && !/does not exist|no environment|not exist/i.test(result.stdout)) {
      throw new Error(`Expected the action to stop at a missing prod:\n${result.stdout.slice(-3000)}`)
    }
    log(
      `${repo.design.models.length} models (${repo.prod ? 'whole run' : 'load only, no prod'}): ${result.seconds.toFixed(1)} s, ${result.contextLoads} project load; ` +
        `peak bridge ${mib(result.memory.bridgeKiB)} (after the load ${mib(result.memory.bridgeAfterLoadKiB)}), node ${mib(result.memory.nodeKiB)}`
    )
    return { models: repo.design.models.length, wholeRun: repo.prod, ...result }
  } finally {
    copy.remove()
  }
}

export function mib(kib) {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : 'n/a'
}
