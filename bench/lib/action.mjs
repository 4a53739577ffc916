// Running the bundled action (dist/index.js) the way a runner does, on a pull_request event, with bench/probe.py in
// front of the bridge so that every run says how many times it loaded the project and when each request ran.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pullRequestPayload, runAction } from '../../support/scenario.mjs'
import { PROBE, PROJECT_SUBDIR, PYTHON } from './repo.mjs'
import { readProbeLog } from './stats.mjs'

export const OWNER = 'acme'
export const NAME = 'shop'
export const REPOSITORY = `${OWNER}/${NAME}`
export const TOKEN = 'ghs_bench_token'

/**
 * A folder with `python`, a shell script that execs the .venv Python on bench/probe.py with the action's arguments
 * (`-u <bridge>`): the action's `python` input accepts any interpreter path.
 * @returns {{ python: string, remove: () => void }}
 */
export function probePython() {
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-python-'))
  const python = join(dir, 'python')
  writeFileSync(python, `#!/bin/sh\nexec '${PYTHON}' -u '${PROBE}' "$@"\n`)
  chmodSync(python, 0o755)
  return { python, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Opens pull request `number` (base -> head) on the fake GitHub server and runs the action on it in `repoDir`.
 * @param {{
 *   server: import('../../support/github-server.mjs').GitHubServer, repoDir: string, number: number,
 *   base: string, head: string, python: string, inputs?: Record<string, string>, env?: Record<string, string>,
 *   probeLog: string
 * }} options
 */
export async function runPullRequestAction(options) {
  const { server, number, base, head } = options
  server.addPullRequest({ number, head: { ref: `feature-${number}`, sha: head }, base: { ref: 'main', sha: base } })
  const startedAt = Date.now() // epoch ms, to compare with the probe's timestamps
  const started = performance.now()
  const run = await runAction({
    repoDir: options.repoDir,
    eventName: 'pull_request',
    payload: pullRequestPayload({ number, baseSha: base, headSha: head, repository: REPOSITORY }),
    inputs: {
      'project-path': PROJECT_SUBDIR,
      'github-token': TOKEN,
      python: options.python,
      ...(options.inputs ?? {})
    },
    apiUrl: server.url,
    repository: REPOSITORY,
    env: { ...(options.env ?? {}), BENCH_PROBE_LOG: options.probeLog }
  })
  const seconds = (performance.now() - started) / 1000
  return { run, seconds, startedAt, events: readProbeLog(options.probeLog) }
}

/**
 * What the probe saw in one action run: project loads (protocol `load` requests and GenericContext.load calls), the
 * table diffs, and how long each phase took between the bridge reading a request and writing its response.
 * @param {ReturnType<typeof readProbeLog>} events
 */
export function bridgeTimeline(events) {
  const requests = events.filter(event => event.event === 'request')
  const responses = new Map(events.filter(event => event.event === 'response').map(event => [event.id, event]))
  // Time in requests of one method: summed per request, since requests of one method can be far apart (the action
  // reads environments before and after the plan). Table diffs overlap with more than one worker, so theirs is the
  // span from the first request to the last answer.
  const span = method => {
    const matching = requests.filter(request => request.method === method)
    if (matching.length === 0) return 0
    const end = request => responses.get(request.id)?.t ?? request.t
    if (method !== 'table_diff') return matching.reduce((total, request) => total + end(request) - request.t, 0)
    return Math.max(...matching.map(end)) - Math.min(...matching.map(request => request.t))
  }
  const diffs = requests.filter(request => request.method === 'table_diff')
  const diffTimes = events.filter(event => event.event === 'diff_done').map(event => event.cpu_seconds)
  const diffEnds = diffs.map(request => responses.get(request.id)).filter(Boolean)
  const lastDiffEnd = diffEnds.reduce((last, event) => (event.t > last.t ? event : last), diffEnds[0])
  const start = events.find(event => event.event === 'start')
  const shutdown = requests.find(request => request.method === 'shutdown')
  return {
    loadRequests: requests.filter(request => request.method === 'load').length,
    contextLoads: events.filter(event => event.event === 'context_load').length,
    tableDiffs: diffs.length,
    // Each table diff's own CPU time, noted by the probe in the process that ran it (the bridge or a forked worker):
    // comparable whether diffs ran one at a time or four on two cores. A probe without that note: from the bridge
    // reading the request to writing its answer.
    diffLatencies:
      diffTimes.length > 0
        ? diffTimes
        : diffs.map(request => (responses.get(request.id)?.t ?? Number.NaN) - request.t).filter(Number.isFinite),
    pythonStart: start?.t ?? Number.NaN,
    phases: {
      // Interpreter up -> first request: bench/probe.py imports SQLMesh here (the plain bridge does in hello and load).
      imports: start && requests[0] ? requests[0].t - start.t : 0,
      hello: span('hello'),
      load: span('load'),
      changes: span('changes'),
      plan: span('plan'),
      environment: span('environment'),
      tableDiffs: span('table_diff'),
      // Last diff answered -> shutdown asked: the action builds the report, posts the comment, writes the summary.
      report: lastDiffEnd && shutdown ? shutdown.t - lastDiffEnd.t : 0
    },
    // CPU seconds the bridge process spent during the diff phase (all threads): close to the phase's wall time means
    // the phase is bound by Python (one core, the GIL), not by the warehouse.
    diffCpuSeconds: diffs.length > 0 && lastDiffEnd ? lastDiffEnd.cpu - diffs[0].cpu : 0,
    peakDiffsInFlight: peakInFlight(diffs, responses)
  }
}

/** The most table diffs the bridge held at once (read, not yet answered): shows the workers really overlap. */
function peakInFlight(requests, responses) {
  const edges = []
  for (const request of requests) {
    edges.push([request.t, 1])
    edges.push([responses.get(request.id)?.t ?? request.t, -1])
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let current = 0
  let peak = 0
  for (const [, step] of edges) {
    current += step
    peak = Math.max(peak, current)
  }
  return peak
}
