// What the bench prints: one table per part, the breakdowns that say where the time goes, and the PASS/MISS table.
// Markdown tables, so that the output pastes into BENCHMARKS.md as it is.

import { loadavg } from 'node:os'
import { median, millis, secs, table } from './stats.mjs'

export const TARGETS = {
  ratio: 5, // the action at least 5x faster than the seed loop
  // 4 diff workers at least 10% faster than 1 in the diff phase: the issue asks to show the gain and sets no number;
  // runs of the diff phase vary by about +-5% on a shared 2-core machine, so a smaller gain is not told from noise.
  concurrencyGain: 1.1,
  graphMs: 200, // pure graph work on 5,000 models
  linearity: 2, // cost per model at 50,000 at most 2x the cost at 5,000 (sorting adds a log factor, GC adds noise)
  startupMs: 300,
  bundleBytes: 2_000_000 // 2 MB read as decimal megabytes: the stricter reading
}

const count = n => n.toLocaleString('en-US')
const print = text => console.log(`\n${text}`)

export function printMachine(machine) {
  const rows = [
    ['CPU', `${machine.cpu}, nproc ${machine.nproc}`],
    ['memory', `${machine.memoryGiB.toFixed(1)} GiB`],
    ['load average at the start (1, 5, 15 min)', loadavg().map(n => n.toFixed(2)).join(', ')],
    ['Node (runs dist/index.js)', machine.node],
    ['Python (.venv)', machine.python],
    ['SQLMesh', machine.sqlmesh],
    ['commit', machine.commit],
    ['dist/index.js, dist/sqlmesh_bridge.py (sha256)', `${machine.bundleSha256}…, ${machine.bridgeSha256}…`]
  ]
  console.log(table(['what', 'value'], rows))
}

export function printPullRequestFlow(pr) {
  const { seed, action } = pr
  const runs = list => list.map(run => run.seconds.toFixed(1)).join(', ')
  const loads = `${action.map(run => run.contextLoads).join(', ')} (protocol load requests: ${action.map(run => run.loadRequests).join(', ')})`
  const counted = `${seedLoopLoads(pr)} (per process: ${pr.seedLoads.loadsPerProcess.join(', ')} in the ${pr.seedLoads.checked} counted)`
  print(
    table(
      ['side', 'median', 'runs', 'SQLMesh processes / run', 'project loads / run'],
      [
        ['seed-style loop (plan + 1 table_diff process per model)', secs(pr.seedMedian), runs(seed), String(seed[0].processes.length), counted],
        ['action (node dist/index.js)', secs(pr.actionMedian), runs(action), '1', loads],
        ['ratio (seed / action)', `${pr.ratio.toFixed(1)}x`, '', '', '']
      ]
    )
  )
  const statuses = Object.entries(action[0].statuses).map(([status, n]) => `${n} ${status}`)
  print(`The action diffed: ${statuses.join(', ')} of ${pr.affected.length} affected models.`)
  print('Where the time goes:')
  printActionPhases(action)
  printSeedProcess(pr)
}

function printActionPhases(action) {
  const keys = ['imports', 'hello', 'load', 'changes', 'plan', 'environment', 'tableDiffs', 'report']
  const phase = key => median(action.map(run => run.phases[key]))
  const own = key => median(action.map(run => run[key]))
  const rows = [
    ['node start -> Python up (node start-up, inputs, event, git diff)', own('beforePython')],
    ['Python up -> first request (SQLMesh imported; the probe does it here)', phase('imports')],
    ['hello + load (project loaded: 1 Context)', phase('hello') + phase('load')],
    ['changes (fingerprints against prod)', phase('changes')],
    ['plan (plan and apply the PR environment)', phase('plan')],
    ['environment (prod and PR snapshots, 2 requests)', phase('environment')],
    [`table_diff x ${action[0].tableDiffs}, in the one process`, phase('tableDiffs')],
    ['last diff answered -> shutdown asked (report, comment, summary)', phase('report')],
    ['shutdown answered -> node exited', own('afterPython')]
  ]
  const accounted = own('beforePython') + own('afterPython') + keys.reduce((total, key) => total + phase(key), 0)
  rows.push(['rest (node between requests)', median(action.map(run => run.seconds)) - accounted])
  rows.push(['whole run (median)', median(action.map(run => run.seconds))])
  print(table(['action phase (from the probe: request read -> answer written; medians)', 'seconds'], rows.map(([label, s]) => [label, s.toFixed(2)])))
}

function printSeedProcess(pr) {
  const one = pr.seedLoads.tableDiffProcess
  const n = pr.affected.length
  const row = (label, seconds) => [label, seconds.toFixed(2), (seconds * n).toFixed(1)]
  print(
    table(
      ['seed loop: one `sqlmesh table_diff` process (median of the counted ones)', 'seconds', `x ${n} processes`],
      [
        row('interpreter up -> SQLMesh imported', one.imports),
        row('project load (GenericContext.load)', one.load),
        row('the diff itself, process start and exit', one.rest),
        row('whole process', one.wall),
        ['plan process (timed runs, median)', median(pr.seed.map(run => run.processes[0])).toFixed(2), '']
      ]
    )
  )
}

/** The seed loop's loads per run: the loads counted per process, times the processes of a timed run. */
function seedLoopLoads(pr) {
  const perProcess = new Set(pr.seedLoads.loadsPerProcess)
  return perProcess.size === 1 ? String([...perProcess][0] * pr.seed[0].processes.length) : 'varies'
}

export function printConcurrency(results) {
  const rows = []
  for (const result of results) {
    for (const [workers, runs] of Object.entries(result.byWorkers)) {
      rows.push([
        count(result.rows),
        `diff-concurrency ${workers}`,
        secs(median(runs.map(run => run.diffSeconds))),
        runs.map(run => run.diffSeconds.toFixed(2)).join(', '),
        secs(median(runs.map(run => run.diffCpuSeconds))),
        String(Math.max(...runs.map(run => run.peakDiffsInFlight))),
        secs(median(runs.map(run => run.seconds))),
        runs.map(run => run.seconds.toFixed(1)).join(', ')
      ])
    }
    rows.push([count(result.rows), 'gain (1 / 4)', `${result.gain.toFixed(2)}x`, '', '', '', `${result.totalGain.toFixed(2)}x`, ''])
  }
  const header = ['seed rows', 'workers', 'diff phase median', 'diff phase runs', 'bridge CPU in diff phase', 'peak diffs in flight', 'whole run median', 'whole runs']
  print(table(header, rows))
  const diffs = results[0].byWorkers[1][0].tableDiffs
  print(`(${diffs} table diffs per run; bridge CPU: the Python process's CPU time over the diff phase, all threads.)`)
}

export function printDiffProfile(profile, rows) {
  const share = seconds => `${seconds.toFixed(2)} s (${((100 * seconds) / profile.total).toFixed(0)}%)`
  print(
    `cProfile of the ${count(rows)}-row project's table diffs at diff-concurrency 1 ` +
      `(self time, ${profile.total.toFixed(2)} s profiled; full listing, kept with BENCH_KEEP=1: ${profile.text}):`
  )
  const groups = Object.entries(profile.groups).sort((a, b) => b[1] - a[1])
  print(table(['kind of work', 'self time'], groups.map(([group, seconds]) => [group, share(seconds)])))
  print(table(['function', 'self time'], profile.top.map(([name, seconds]) => [name, share(seconds)])))
  const steps = profile.steps.map(([name, seconds, calls]) => [name, String(calls), share(seconds)])
  print(table(['step of SQLMesh table diff', 'calls', 'inclusive time'], steps))
}

export function printGraph(rows) {
  const header = ['models', 'chain', 'build graph', 'files -> models', 'change set', 'affected chain', 'total (median)', 'total (cold)', 'ms / model', 'topo order, all (cold graph)']
  const cells = rows.map(row => [
    count(row.size),
    count(row.chainLength),
    millis(row.build),
    millis(row.filesToModels),
    millis(row.changeSet),
    millis(row.affectedChain),
    millis(row.total),
    millis(row.cold),
    row.msPerModel.toFixed(4),
    millis(row.topologicalOrderAll)
  ])
  print(table(header, cells))
}

export function printStartupProfile(profile) {
  if (!profile) return print('(no CPU profile written)')
  print(`CPU profile of one start-up (${profile.totalMs.toFixed(0)} ms profiled, self time):`)
  const groups = Object.entries(profile.groups).sort((a, b) => b[1] - a[1])
  print(table(['where', 'ms'], groups.map(([group, ms]) => [group, ms.toFixed(1)])))
  print(table(['function', 'ms'], profile.top.map(([name, ms]) => [name, ms.toFixed(1)])))
}

/** One row per target: what it is, what was measured, PASS or MISS. */
export function verdictRows(results) {
  const verdict = ok => (ok ? 'PASS' : 'MISS')
  const rows = []
  if (results.pr) {
    const { seedMedian, actionMedian, ratio, action } = results.pr
    rows.push([
      `1. PR flow, 50 models / 10 changed, DuckDB: action >= ${TARGETS.ratio}x faster than the seed loop`,
      `${secs(seedMedian, 1)} vs ${secs(actionMedian, 1)} = ${ratio.toFixed(1)}x`,
      verdict(ratio >= TARGETS.ratio)
    ])
    rows.push([
      '1. SQLMesh project loads per action run = 1',
      `action: ${action.map(run => run.contextLoads).join(', ')} (seed loop: ${seedLoopLoads(results.pr)} = 1 + ${results.pr.affected.length} diffs)`,
      verdict(action.every(run => run.contextLoads === 1 && run.loadRequests === 1))
    ])
  }
  if (Array.isArray(results.concurrency)) {
    for (const { rows: seedRows, medians, gain } of results.concurrency) {
      rows.push([
        `2. table diffs on PostgreSQL (${count(seedRows)} seed rows): 4 workers >= ${TARGETS.concurrencyGain}x faster than 1`,
        `diff phase ${secs(medians[1].diffs)} -> ${secs(medians[4].diffs)} = ${gain.toFixed(2)}x`,
        verdict(gain >= TARGETS.concurrencyGain)
      ])
    }
  } else if (results.concurrency) {
    rows.push(['2. table diffs run concurrently on PostgreSQL', results.concurrency.skipped, 'not run'])
  }
  if (results.graph) rows.push(...graphVerdicts(results.graph, verdict))
  if (results.startup) {
    const { median: startup, nodeBare, bundleBytes } = results.startup
    rows.push([
      `4. node dist/index.js start -> Python launched < ${TARGETS.startupMs} ms`,
      `${millis(startup, 0)} median (bare node: ${millis(nodeBare, 0)})`,
      verdict(startup < TARGETS.startupMs)
    ])
    rows.push(['4. dist/index.js < 2 MB', `${(bundleBytes / 1e6).toFixed(2)} MB (${count(bundleBytes)} bytes)`, verdict(bundleBytes < TARGETS.bundleBytes)])
  }
  return rows
}

function graphVerdicts(graph, verdict) {
  const at = size => graph.find(row => row.size === size)
  const growth = at(50_000).msPerModel / at(5_000).msPerModel
  const perModel = graph.map(row => `${count(row.size)}: ${row.msPerModel.toFixed(4)}`).join(', ')
  return [
    [`3. graph work on 5,000 models < ${TARGETS.graphMs} ms`, `${millis(at(5_000).total)} median, ${millis(at(5_000).cold)} cold`, verdict(at(5_000).total < TARGETS.graphMs)],
    [`3. linear growth: ms/model at 50,000 <= ${TARGETS.linearity}x ms/model at 5,000`, `${perModel} (${growth.toFixed(2)}x)`, verdict(growth <= TARGETS.linearity)]
  ]
}
