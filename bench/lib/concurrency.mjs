// Part 2: the action's PR flow with diff-concurrency 1, 2 and 4, on PostgreSQL and on DuckDB. On PostgreSQL, prod is
// built once into a template database; every run gets its own copy of it (CREATE DATABASE ... TEMPLATE) and of the
// repository, so every run builds the same PR environment and diffs the same tables. On DuckDB the copy of the
// repository holds the DuckDB file. The order of the worker counts rotates between runs. The action logs how many
// diffs it really runs at a time ("table diffs run N at a time"): on DuckDB it may run fewer than asked (SQLMesh's
// concurrent_tasks is 1 there), which the bench records rather than treats as a failure.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cloneDatabase, copyRepo, pgAdmin, postgresEnv } from './repo.mjs'
import { START_DATE } from './project.mjs'
import { bridgeTimeline, runPullRequestAction } from './action.mjs'
import { median } from './stats.mjs'

export const WORKER_COUNTS = [1, 2, 4]

/**
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, gateway?: 'postgres' | 'duckdb', server: any,
 *   python: string, runs: number, workDir: string, log: (message: string) => void }} options
 */
export async function benchConcurrentDiffs({ repo, gateway = 'postgres', server, python, runs, workDir, log }) {
  const postgres = gateway === 'postgres'
  /** @type {Record<number, Array<ReturnType<typeof summarize>>>} */
  const byWorkers = Object.fromEntries(WORKER_COUNTS.map(workers => [workers, []]))
  for (let i = 1; i <= runs; i++) {
    const order = WORKER_COUNTS.map((_, k) => WORKER_COUNTS[(k + i - 1) % WORKER_COUNTS.length])
    for (const workers of order) {
      const number = 200 + 10 * i + workers
      const copy = copyRepo(repo)
      const database = postgres ? cloneDatabase(repo) : undefined
      try {
        const { run, seconds, events } = await runPullRequestAction({
          server,
          repoDir: copy.dir,
          number,
          base: repo.base,
          head: repo.head,
          python,
          probeLog: join(workDir, `concurrency-${gateway}-${repo.rows}-rows-${workers}-workers-${i}.jsonl`),
          inputs: {
            ...(postgres ? { gateway: 'postgres' } : {}),
            'diff-concurrency': String(workers),
            'environment-start': START_DATE
          },
          env: postgres ? postgresEnv(database) : {}
        })
        if (run.code !== 0)
          throw new Error(`The action failed on ${gateway} (exit ${run.code}):\n${run.stdout.slice(-4000)}`)
        const result = summarize(seconds, bridgeTimeline(events), run.stdout)
        if (postgres && result.workersUsed !== workers) {
          throw new Error(
            `Asked for ${workers} diff workers, the action ran ${result.workersUsed} (see 'table diffs run N at a time')`
          )
        }
        byWorkers[workers].push(result)
        log(
          `run ${i}: ${gateway}, diff-concurrency ${workers} (ran ${result.workersUsed} at a time): ${seconds.toFixed(1)}s in all, table diffs ${result.diffSeconds.toFixed(2)}s (${result.tableDiffs} diffs)`
        )
      } finally {
        copy.remove()
        if (database) pgAdmin(['drop', database])
      }
    }
  }
  const medians = Object.fromEntries(
    WORKER_COUNTS.map(workers => [
      workers,
      {
        total: median(byWorkers[workers].map(run => run.seconds)),
        diffs: median(byWorkers[workers].map(run => run.diffSeconds))
      }
    ])
  )
  // Gain of N workers over 1, in the diff phase and in the whole run.
  const gains = Object.fromEntries(WORKER_COUNTS.map(workers => [workers, medians[1].diffs / medians[workers].diffs]))
  const totalGains = Object.fromEntries(
    WORKER_COUNTS.map(workers => [workers, medians[1].total / medians[workers].total])
  )
  return { gateway, byWorkers, medians, gains, totalGains, gain: gains[4], totalGain: totalGains[4] }
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
