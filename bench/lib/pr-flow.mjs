// Part 1: the pull-request flow on DuckDB, the seed-style CLI loop and the action side by side in the same run.
// Each run gives each side its own fresh copy of the built repository (prod in the DuckDB file, the PR branch checked
// out), so both sides do the same work on every run; the order of the two sides alternates between runs so that
// any drift of the machine (caches, other load) falls on both. The seed loop runs the plain .venv/bin/sqlmesh; its
// project loads are counted in a separate, untimed pass through bench/probe.py.

import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { copyRepo, sqlmeshCli } from './repo.mjs'
import { START_DATE } from './project.mjs'
import { bridgeTimeline, runPullRequestAction } from './action.mjs'
import { median, readProbeLog, sum } from './stats.mjs'

/**
 * The seed's way: one `sqlmesh plan` process for the PR environment, then one `sqlmesh table_diff` process per
 * affected model, one after the other, with the plain .venv/bin/sqlmesh (nothing in front of it). With `probe` (the
 * untimed check) every process goes through bench/probe.py instead, which counts its project loads.
 * @param {string} projectDir @param {string} environment @param {readonly string[]} models
 * @param {{ probeLog?: string }} [options]
 */
export function seedLoop(projectDir, environment, models, options = {}) {
  const env = options.probeLog ? { BENCH_PROBE_LOG: options.probeLog } : {}
  const processes = []
  const timed = args => {
    const started = performance.now()
    sqlmeshCli(projectDir, args, env, { probe: Boolean(options.probeLog) })
    processes.push((performance.now() - started) / 1000)
  }
  const started = performance.now()
  timed(['plan', environment, '--start', START_DATE, '--auto-apply', '--no-prompts'])
  for (const model of models) timed(['table_diff', `prod:${environment}`, model])
  return { seconds: (performance.now() - started) / 1000, processes }
}

/**
 * The loop's project loads, counted rather than assumed: the plan and the first `sample` table diffs of the loop once
 * more, untimed, each through bench/probe.py, on a fresh copy. Also where one table_diff process spends its time:
 * interpreter up -> SQLMesh imported (the probe's `cli` event comes right after `from sqlmesh.cli.main import cli`),
 * the project load (GenericContext.load), and the rest (the diff itself and the process exit).
 */
export function seedLoopLoads(repo, workDir, sample = 3) {
  const copy = copyRepo(repo)
  const probeLog = join(workDir, 'seed-loop-loads.jsonl')
  try {
    const { processes } = seedLoop(copy.projectDir, 'pr_100', repo.design.affected.slice(0, sample), { probeLog })
    const events = readProbeLog(probeLog)
    const pids = [...new Set(events.filter(event => event.event === 'cli').map(event => event.pid))]
    const perProcess = pids.map((pid, i) => {
      const own = events.filter(event => event.pid === pid)
      const start = own.find(event => event.event === 'start')
      const cli = own.find(event => event.event === 'cli')
      const loads = own.filter(event => event.event === 'context_load')
      const loadSeconds = sum(loads.map(event => /** @type {number} */ (event.seconds)))
      const imports = start && cli ? cli.t - start.t : Number.NaN
      const command = /** @type {string[]} */ (cli?.argv ?? [])[2] // argv: -p <project> <command> ...
      return {
        command,
        loads: loads.length,
        imports,
        loadSeconds,
        wall: processes[i],
        rest: processes[i] - imports - loadSeconds
      }
    })
    const diffs = perProcess.filter(process => process.command === 'table_diff')
    return {
      checked: perProcess.length,
      loadsPerProcess: perProcess.map(process => process.loads),
      tableDiffProcess: {
        wall: median(diffs.map(process => process.wall)),
        imports: median(diffs.map(process => process.imports)),
        load: median(diffs.map(process => process.loadSeconds)),
        rest: median(diffs.map(process => process.rest))
      }
    }
  } finally {
    copy.remove()
  }
}

/**
 * Runs both sides `runs` times and checks they did what they should (the action succeeded, diffed the chain the
 * generator expects, loaded the project once).
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any, python: string, runs: number,
 *   workDir: string, log: (message: string) => void }} options
 */
export async function benchPullRequestFlow({ repo, server, python, runs, workDir, log }) {
  const affected = repo.design.affected
  const seed = []
  const action = []
  for (let i = 1; i <= runs; i++) {
    const number = 100 + i
    const sides = i % 2 === 1 ? ['seed', 'action'] : ['action', 'seed']
    for (const side of sides) {
      const copy = copyRepo(repo)
      const probeLog = join(workDir, `pr-flow-action-${i}.jsonl`)
      try {
        if (side === 'seed') {
          const result = seedLoop(copy.projectDir, `pr_${number}`, affected)
          seed.push(result)
          log(`run ${i}: seed loop ${result.seconds.toFixed(1)}s (${result.processes.length} sqlmesh processes)`)
        } else {
          const result = await actionRun({ server, copy, repo, number, python, probeLog })
          action.push(result)
          const counts = `${result.loadRequests} load request, ${result.contextLoads} project load, ${result.tableDiffs} table diffs`
          log(`run ${i}: action ${result.seconds.toFixed(1)}s (${counts})`)
        }
      } finally {
        copy.remove()
      }
    }
  }
  const seedLoads = seedLoopLoads(repo, workDir)
  const counted = `plan + ${seedLoads.checked - 1} table_diff, through the probe`
  log(`seed loop check: project loads per sqlmesh process ${seedLoads.loadsPerProcess.join(', ')} (${counted})`)
  const seedMedian = median(seed.map(run => run.seconds))
  const actionMedian = median(action.map(run => run.seconds))
  const ratio = seedMedian / actionMedian
  return { affected, changed: repo.design.changed, seed, seedLoads, action, seedMedian, actionMedian, ratio }
}

async function actionRun({ server, copy, repo, number, python, probeLog }) {
  const { run, seconds, startedAt, events } = await runPullRequestAction({
    server,
    repoDir: copy.dir,
    number,
    base: repo.base,
    head: repo.head,
    python,
    probeLog,
    inputs: { 'environment-start': START_DATE }
  })
  if (run.code !== 0)
    throw new Error(`The action failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`)
  const chain = JSON.parse(run.outputs['affected-models'] ?? '[]')
  const expected = [...repo.design.affected].sort()
  if (JSON.stringify([...chain].sort()) !== JSON.stringify(expected)) {
    throw new Error(
      `The action's affected chain differs from the generator's:\n${chain.join(', ')}\nvs\n${expected.join(', ')}`
    )
  }
  const statuses = {}
  for (const result of JSON.parse(run.outputs['diff-results'] ?? '[]')) {
    const key = result.status === 'diffed' ? 'diffed' : `not-diffed:${result.reason}`
    statuses[key] = (statuses[key] ?? 0) + 1
  }
  const timeline = bridgeTimeline(events)
  const lastResponse = Math.max(...events.map(event => event.t))
  return {
    seconds,
    statuses,
    ...timeline,
    // Node start -> the interpreter is up (node start-up, inputs, git), and the bridge's last answer (to shutdown) ->
    // node has exited (Python and node exiting).
    beforePython: timeline.pythonStart - startedAt / 1000,
    afterPython: startedAt / 1000 + seconds - lastResponse,
    stdout: run.stdout
  }
}
