// npm run bench: generates the projects, runs the four measures of issue 5, the big-project measures of issue 10
// (part 5) and the watch-mode measures of issue 11 (part 6), and prints medians, ratios, a PASS/MISS table and how long each part took. Started by bench/run.sh on Node 24, the Node GitHub runs the action with (process.execPath is
// the node runAction spawns dist/index.js with).
//
// Repetitions and sizes come from the environment (BENCHMARKS.md, section 5, says how long the defaults take):
//   BENCH_RUNS=3              PR flow on DuckDB: runs of each side (seed-style CLI loop, action)
//   BENCH_PG_RUNS=3           diff workers: runs at each diff-concurrency (1, 2, 4), per seed size and gateway
//   BENCH_PG_ROWS=4000,50000  PostgreSQL: seed sizes (the PR-flow project, then the same with larger tables)
//   BENCH_GRAPH_RUNS=7        graph work: passes per graph size
//   BENCH_STARTUP_RUNS=10     start-up: runs
//   BENCH_ROWS=4000           seed rows of the generated project
//   BENCH_ONLY=pr,concurrency,graph,startup,scale,watch   run only these parts
//   BENCH_SCALE_RUNS=1        the big project (issue 10): runs of each side (the SQLMesh-CLI peer, the action)
//   BENCH_SCALE_CHAIN=400, BENCH_SCALE_WIDE=2000, BENCH_SCALE_COLUMNS=40, BENCH_SCALE_FILES=3500, BENCH_SCALE_ROWS=8
//                             its shape: chain models, wide models, columns per wide model, files in the PR, seed rows
//   BENCH_SCALE_MEMORY_MODELS=10000   the larger size peak memory is measured at (0: not measured)
//   BENCH_SCALE_MEMORY_PROD=1 build prod at that size too and measure a whole run (else: the load only)
//   BENCH_WATCH_ROWS=10000000 watch (issue 11): rows of the source fingerprinted against COUNT(*) and a full scan
//   BENCH_WATCH_RUNS=3        watch: runs of each query (median)
//   BENCH_WATCH_DAILY_ROWS=200 watch: source rows a day of the year-long project whose rebuilds are counted
//   BENCH_CACHE=<dir>         where built big projects are kept (default ~/.cache/sqlmesh-action-bench)
//   BENCH_PROFILE=1           profile the start-up and the table diffs even when they meet their targets
//   BENCH_JSON=<file>         also write every number as JSON
//   BENCH_KEEP=1              keep the probe logs (their folder is printed)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { uniqueName } from '../support/scenario.mjs'
import { startGitHubServer } from '../support/github-server.mjs'
import { NAME, OWNER, probePython, REPOSITORY, TOKEN } from './lib/action.mjs'
import { benchConcurrentDiffs, profileDiffs } from './lib/concurrency.mjs'
import { benchGraph, compileCore } from './lib/graph.mjs'
import { describeMachine } from './lib/machine.mjs'
import { benchPullRequestFlow } from './lib/pr-flow.mjs'
import { createBenchRepo, DATABASE_PREFIX, pgAdmin, removeBenchRepo } from './lib/repo.mjs'
import * as report from './lib/report.mjs'
import { benchStartup, profileStartup } from './lib/startup.mjs'
import { benchMemory, benchScalePeer, benchSmallDiffs } from './lib/scale.mjs'
import { scaleRepo } from './lib/scale-repo.mjs'
import { benchFingerprint, benchWatchRebuild } from './lib/watch.mjs'
import { envInt, envIntList, secs, table } from './lib/stats.mjs'

const config = {
  runs: envInt('BENCH_RUNS', 3),
  pgRuns: envInt('BENCH_PG_RUNS', 3),
  graphRuns: envInt('BENCH_GRAPH_RUNS', 7),
  startupRuns: envInt('BENCH_STARTUP_RUNS', 10),
  rows: envInt('BENCH_ROWS', 4000),
  pgRows: envIntList('BENCH_PG_ROWS', [envInt('BENCH_ROWS', 4000), 50_000]),
  scale: {
    runs: envInt('BENCH_SCALE_RUNS', 1),
    chain: envInt('BENCH_SCALE_CHAIN', 400),
    wide: envInt('BENCH_SCALE_WIDE', 2000),
    columns: envInt('BENCH_SCALE_COLUMNS', 40),
    files: envInt('BENCH_SCALE_FILES', 3500),
    rows: envInt('BENCH_SCALE_ROWS', 8),
    memoryModels: process.env.BENCH_SCALE_MEMORY_MODELS === '0' ? 0 : envInt('BENCH_SCALE_MEMORY_MODELS', 10_000)
  },
  watch: {
    rows: envInt('BENCH_WATCH_ROWS', 10_000_000),
    runs: envInt('BENCH_WATCH_RUNS', 3),
    dailyRows: envInt('BENCH_WATCH_DAILY_ROWS', 200)
  },
  only: new Set(
    (process.env.BENCH_ONLY || 'pr,concurrency,graph,startup,scale,watch').split(',').map(part => part.trim())
  ),
  profile: Boolean(process.env.BENCH_PROFILE)
}

const log = message => console.log(`  ${message}`)
const section = title => console.log(`\n## ${title}\n`)

/** Everything the parts share: the GitHub server, the probe interpreter, the repositories made, the log folder. */
async function openSession() {
  const session = {
    workDir: mkdtempSync(join(tmpdir(), 'sqlmesh-bench-logs-')),
    server: await startGitHubServer({ owner: OWNER, repo: NAME, tokens: { [TOKEN]: 'github-actions[bot]' } }),
    python: probePython(),
    /** @type {ReturnType<typeof createBenchRepo> | undefined} the PR-flow repository */
    repo: undefined,
    /** @type {Array<ReturnType<typeof createBenchRepo>>} */
    repos: []
  }
  session.cleanUp = () => {
    for (const made of session.repos.splice(0)) removeBenchRepo(made)
    session.python.remove()
    if (!process.env.BENCH_KEEP) rmSync(session.workDir, { recursive: true, force: true })
  }
  return session
}

function setup(session) {
  section('Setup')
  const postgres = config.only.has('concurrency') && postgresReachable() ? postgresNames() : undefined
  session.repo = createBenchRepo({ rows: config.rows, postgres, log })
  session.repos.push(session.repo)
  const { design, changedFiles } = session.repo
  log(
    `PR branch changes ${design.changed.length} models (${changedFiles.length} files); affected chain: ${design.affected.length} of ${design.models.length} models`
  )
}

async function partPullRequestFlow(session, results) {
  section(`1. Pull-request flow, DuckDB, ${config.runs} run(s) per side`)
  const { repo, server, python, workDir } = session
  results.pr = await benchPullRequestFlow({ repo, server, python: python.python, runs: config.runs, workDir, log })
  report.printPullRequestFlow(results.pr)
}

async function partConcurrency(session, results) {
  section(`2. Table diffs at diff-concurrency 1, 2 and 4 on PostgreSQL and on DuckDB, ${config.pgRuns} run(s) each`)
  results.concurrency = []
  const { server, workDir } = session
  const python = session.python.python
  if (!session.repo?.postgres) {
    results.concurrencySkipped = 'PostgreSQL is not reachable (PGHOST/PGPORT/PGUSER)'
    log(`PostgreSQL skipped: ${results.concurrencySkipped}`)
  } else {
    for (const rows of config.pgRows) {
      log(`PostgreSQL, seed of ${rows.toLocaleString('en-US')} rows:`)
      const repo = rows === config.rows ? session.repo : postgresOnlyRepo(session, rows)
      results.concurrency.push({
        rows,
        ...(await benchConcurrentDiffs({
          repo,
          gateway: 'postgres',
          server,
          python,
          runs: config.pgRuns,
          workDir,
          log
        }))
      })
    }
  }
  log(`DuckDB, seed of ${config.rows.toLocaleString('en-US')} rows:`)
  const duckdb = { repo: session.repo, gateway: 'duckdb', server, python, runs: config.pgRuns, workDir, log }
  results.concurrency.push({ rows: config.rows, ...(await benchConcurrentDiffs(duckdb)) })
  report.printConcurrency(results.concurrency)
  const postgres = results.concurrency.filter(result => result.gateway === 'postgres')
  if (
    postgres.length > 0 &&
    (config.profile || postgres.some(result => !(result.gain >= report.TARGETS.concurrencyGain)))
  ) {
    const { repo } = session
    results.diffProfile = await profileDiffs({ repo, server, python, workDir })
    report.printDiffProfile(results.diffProfile, config.rows)
  }
}

/** The same project with another seed size, prod on PostgreSQL only (the DuckDB side is not measured there). */
function postgresOnlyRepo(session, rows) {
  const repo = createBenchRepo({ rows, duckdb: false, postgres: postgresNames(), log })
  session.repos.push(repo)
  return repo
}

function partGraph(_session, results) {
  section(`3. Graph work on generated graphs, ${config.graphRuns} pass(es) per size`)
  const coreDir = compileCore()
  try {
    results.graph = benchGraph({ coreDir, runs: config.graphRuns, log })
  } finally {
    rmSync(coreDir, { recursive: true, force: true })
  }
  report.printGraph(results.graph)
}

async function partStartup(session, results) {
  section(`4. Start-up and bundle, ${config.startupRuns} run(s)`)
  const { repo, server } = session
  results.startup = await benchStartup({ repo, server, runs: config.startupRuns, log })
  if (config.profile || results.startup.median >= report.TARGETS.startupMs) {
    results.startup.profile = await profileStartup({ repo, server })
    report.printStartupProfile(results.startup.profile)
  }
}

async function partScale(session, results) {
  const { scale } = config
  section(`5. The big project (issue 10): the SQLMesh-CLI peer and the action, ${scale.runs} run(s) per side`)
  const { server, python, workDir } = session
  const shape = {
    chain: scale.chain,
    wide: scale.wide,
    columns: scale.columns,
    wideKind: 'FULL',
    files: scale.files,
    rows: scale.rows,
    log
  }
  const repo = scaleRepo(shape)
  results.scale = {
    build: repo.built,
    ...(await benchScalePeer({ repo, server, python: python.python, runs: scale.runs, workDir, log }))
  }
  log(`per-diff cost at ${session.repo.design.models.length} models:`)
  results.scale.small = results.pr
    ? results.pr.action.map(run => ({ diffLatencies: run.diffLatencies, peakDiffsInFlight: run.peakDiffsInFlight }))
    : await benchSmallDiffs({
        repo: session.repo,
        server,
        python: python.python,
        runs: Math.max(2, scale.runs),
        workDir,
        log
      })
  results.scale.smallModels = session.repo.design.models.length
  if (scale.memoryModels > 0) {
    log(`peak memory at ${scale.memoryModels.toLocaleString('en-US')} models:`)
    const wide = scale.memoryModels - scale.chain - 1
    const big = scaleRepo({ ...shape, wide, prod: Boolean(process.env.BENCH_SCALE_MEMORY_PROD), log })
    results.scale.memory = await benchMemory({ repo: big, server, python: python.python, workDir, log })
  }
  report.printScale(results.scale)
}

async function partWatch(session, results) {
  const { watch } = config
  section(`6. Watch mode (issue 11): fingerprinting a source, and the rows a watch rebuild writes`)
  log(`fingerprint of ${watch.rows.toLocaleString('en-US')} rows, median of ${watch.runs} run(s) per query:`)
  const fingerprint = benchFingerprint({ rows: watch.rows, runs: watch.runs })
  log(`two changed days out of a year, ${watch.dailyRows} source rows a day:`)
  const rebuild = await benchWatchRebuild({
    dailyRows: watch.dailyRows,
    server: session.server,
    repository: REPOSITORY,
    token: TOKEN,
    log
  })
  results.watch = { fingerprint, rebuild }
  report.printWatch(results.watch)
}

function printTargets(results) {
  section('Targets')
  const verdicts = report.verdictRows(results)
  console.log(table(['target', 'measured', 'result'], verdicts))
  const missed = verdicts.filter(row => row[2] === 'MISS').map(row => row[0])
  if (missed.length > 0) {
    console.log(
      `\nMISSED ${missed.length} target(s): ${missed.join('; ')}. The breakdowns above show where the time goes.`
    )
  }
  return verdicts
}

function postgresNames() {
  const database = `${DATABASE_PREFIX}${uniqueName()}`
  return { database, template: `${database}_template` }
}

/** The bench runs without PostgreSQL too (part 2 is then reported as not run). */
function postgresReachable() {
  try {
    pgAdmin(['drop', `${DATABASE_PREFIX}probe_${uniqueName()}`])
    return true
  } catch {
    return false
  }
}

function writeJson(results) {
  if (process.env.BENCH_JSON)
    writeFileSync(
      process.env.BENCH_JSON,
      `${JSON.stringify(results, (key, value) => (key === 'stdout' ? undefined : value), 2)}\n`
    )
}

async function main() {
  const began = performance.now()
  const results = { machine: describeMachine(), config: { ...config, only: [...config.only] } }
  section('Machine')
  report.printMachine(results.machine)
  const session = await openSession()
  // Ctrl-C must not leave databases behind on the shared PostgreSQL server.
  process.once('SIGINT', () => {
    session.cleanUp()
    process.exit(130)
  })
  try {
    const parts = [
      ['setup', () => ['pr', 'concurrency', 'startup', 'scale'].some(part => config.only.has(part)) && setup(session)],
      ['pr', () => partPullRequestFlow(session, results)],
      ['concurrency', () => partConcurrency(session, results)],
      ['graph', () => partGraph(session, results)],
      ['startup', () => partStartup(session, results)],
      ['scale', () => partScale(session, results)],
      ['watch', () => partWatch(session, results)]
    ]
    results.partSeconds = {}
    for (const [name, run] of parts) {
      if (name !== 'setup' && !config.only.has(name)) continue
      const started = performance.now()
      await run()
      results.partSeconds[name] = (performance.now() - started) / 1000
      writeJson(results) // after every part: a long run that fails late keeps what it measured
    }
    section('How long each part took')
    console.log(
      table(
        ['part', 'seconds'],
        Object.entries(results.partSeconds).map(([name, seconds]) => [name, seconds.toFixed(0)])
      )
    )
    results.verdicts = printTargets(results)
    results.loadAverageAtEnd = loadavg()
    const kept = process.env.BENCH_KEEP ? `; probe logs in ${session.workDir}` : ''
    console.log(
      `\nWhole bench: ${secs((performance.now() - began) / 1000, 0)}; load average at the end: ${loadavg()
        .map(n => n.toFixed(2))
        .join(', ')}${kept}`
    )
    writeJson(results)
  } finally {
    await session.server.close()
    session.cleanUp()
  }
}

await main()
