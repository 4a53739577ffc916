// Part 2: the action's PR flow on PostgreSQL with diff-concurrency 1 and 4. DuckDB cannot show this: SQLMesh runs
// DuckDB with one task at a time, so the bridge caps the workers at 1 there. Prod is built once into a template
// database; every run gets its own copy of it (CREATE DATABASE ... TEMPLATE) and of the repository, so every run
// builds the same PR environment and diffs the same tables. The order of 1 and 4 alternates between runs.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cloneDatabase, copyRepo, pgAdmin, postgresEnv } from './repo.mjs'
import { START_DATE } from './project.mjs'
import { bridgeTimeline, runPullRequestAction } from './action.mjs'
import { median } from './stats.mjs'

export const WORKER_COUNTS = [1, 4]

/**
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any, python: string, runs: number,
 *   workDir: string, log: (message: string) => void }} options
 */
export async function benchConcurrentDiffs({ repo, server, python, runs, workDir, log }) {
  /** @type {Record<number, Array<ReturnType<typeof summarize>>>} */
  const byWorkers = Object.fromEntries(WORKER_COUNTS.map(workers => [workers, []]))
  for (let i = 1; i <= runs; i++) {
    const order = i % 2 === 1 ? WORKER_COUNTS : [...WORKER_COUNTS].reverse()
    for (const workers of order) {
      const number = 200 + 10 * i + workers
      const copy = copyRepo(repo)
      const database = cloneDatabase(repo)
      try {
        const { run, seconds, events } = await runPullRequestAction({
          server,
          repoDir: copy.dir,
          number,
          base: repo.base,
          head: repo.head,
          python,
          probeLog: join(workDir, `concurrency-${repo.rows}-rows-${workers}-workers-${i}.jsonl`),
          inputs: { gateway: 'postgres', 'diff-concurrency': String(workers), 'environment-start': START_DATE },
          env: postgresEnv(database)
        })
        if (run.code !== 0) throw new Error(`The action failed on PostgreSQL (exit ${run.code}):\n${run.stdout.slice(-4000)}`)
        const result = summarize(seconds, bridgeTimeline(events), run.stdout)
        if (result.workersUsed !== workers) {
          throw new Error(`Asked for ${workers} diff workers, the action ran ${result.workersUsed} (see 'table diffs run N at a time')`)
        }
        byWorkers[workers].push(result)
        log(`run ${i}: ${workers} worker(s): ${seconds.toFixed(1)}s in all, table diffs ${result.diffSeconds.toFixed(2)}s (${result.tableDiffs} diffs)`)
      } finally {
        copy.remove()
        pgAdmin(['drop', database])
      }
    }
  }
  const medians = Object.fromEntries(
    WORKER_COUNTS.map(workers => [
      workers,
      { total: median(byWorkers[workers].map(run => run.seconds)), diffs: median(byWorkers[workers].map(run => run.diffSeconds)) }
    ])
  )
  return { byWorkers, medians, gain: medians[1].diffs / medians[4].diffs, totalGain: medians[1].total / medians[4].total }
}

/**
 * One more run at diff-concurrency 1 with the bridge's table diffs under cProfile (bench/probe.py): where a diff's
 * time goes, i.e. how much of it is Python holding the GIL (which more threads cannot spread) and how much is waiting on
 * PostgreSQL (which they can). Not timed: the profiler slows Python down.
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any, python: string, workDir: string }} options
 */
export async function profileDiffs({ repo, server, python, workDir }) {
  const copy = copyRepo(repo)
  const database = cloneDatabase(repo)
  const profile = join(workDir, 'table-diff-profile.txt')
  try {
    const { run } = await runPullRequestAction({
      server,
      repoDir: copy.dir,
      number: 299,
      base: repo.base,
      head: repo.head,
      python,
      probeLog: join(workDir, 'profile.jsonl'),
      inputs: { gateway: 'postgres', 'diff-concurrency': '1', 'environment-start': START_DATE },
      env: { ...postgresEnv(database), BENCH_PROBE_CPROFILE: profile }
    })
    if (run.code !== 0) throw new Error(`The profiled run failed (exit ${run.code})`)
    return { ...JSON.parse(readFileSync(`${profile}.json`, 'utf8')), text: profile }
  } finally {
    copy.remove()
    pgAdmin(['drop', database])
  }
}

/** The diff phase is the bridge's first table_diff request to its last table_diff answer (from the probe). */
function summarize(seconds, timeline, stdout) {
  const workersUsed = Number(/table diffs run (\d+) at a time/.exec(stdout)?.[1] ?? Number.NaN)
  return {
    seconds,
    diffSeconds: timeline.phases.tableDiffs,
    diffCpuSeconds: timeline.diffCpuSeconds,
    peakDiffsInFlight: timeline.peakDiffsInFlight,
    tableDiffs: timeline.tableDiffs,
    workersUsed,
    phases: timeline.phases
  }
}
