// Part 4: from `node dist/index.js` starting to the moment the action launches Python (its first SQLMesh call), and
// the bundle's size. The `python` input points at a tiny bash script that writes the time it was started and exits;
// the action then fails ("SQLMesh could not be started"), which does not matter here.

import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ROOT } from '../../support/scenario.mjs'
import { runPullRequestAction } from './action.mjs'
import { copyRepo } from './repo.mjs'
import { median } from './stats.mjs'

export const BUNDLE = join(ROOT, 'dist', 'index.js')

/** A fake interpreter: bash's $EPOCHREALTIME (microseconds) as soon as it runs, into $BENCH_STARTUP_STAMP. */
function stampingPython(dir) {
  const python = join(dir, 'python')
  writeFileSync(python, '#!/bin/bash\necho "$EPOCHREALTIME" > "$BENCH_STARTUP_STAMP"\nexit 1\n')
  chmodSync(python, 0o755)
  return python
}

/**
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any, runs: number,
 *   log: (message: string) => void }} options
 */
export async function benchStartup({ repo, server, runs, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-startup-'))
  const copy = copyRepo(repo)
  const python = stampingPython(dir)
  const samples = []
  try {
    for (let i = 1; i <= runs; i++) {
      const stamp = join(dir, `stamp-${i}`)
      // runPullRequestAction notes Date.now() right before runAction spawns node (a few file writes earlier).
      const { startedAt, run } = await runPullRequestAction({
        server,
        repoDir: copy.dir,
        number: 300 + i,
        base: repo.base,
        head: repo.head,
        python,
        probeLog: join(dir, 'unused.jsonl'),
        env: { BENCH_STARTUP_STAMP: stamp }
      })
      let launched
      try {
        launched = Number.parseFloat(readFileSync(stamp, 'utf8')) * 1000
      } catch {
        throw new Error(`The action never launched Python:\n${run.stdout.slice(-3000)}`)
      }
      samples.push(launched - startedAt)
    }
  } finally {
    copy.remove()
    rmSync(dir, { recursive: true, force: true })
  }
  const result = {
    samples,
    median: median(samples),
    nodeBare: nodeBareStartup(runs),
    bundleBytes: statSync(BUNDLE).size
  }
  log(
    `start -> Python launched: ${result.median.toFixed(0)} ms median; bare node: ${result.nodeBare.toFixed(0)} ms; bundle ${result.bundleBytes} bytes`
  )
  return result
}

/** `node -e 0` on the same Node: the floor no bundle can go under. */
function nodeBareStartup(runs) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    execFileSync(process.execPath, ['-e', '0'])
    samples.push(performance.now() - started)
  }
  return median(samples)
}

/**
 * One start-up under V8's sampling profiler (NODE_OPTIONS=--cpu-prof reaches the node that runAction spawns): self
 * time per function, grouped by where the code lives. Used when the start-up target is missed, or with BENCH_PROFILE=1.
 * @param {{ repo: ReturnType<typeof import('./repo.mjs').createBenchRepo>, server: any }} options
 */
export async function profileStartup({ repo, server }) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-profile-'))
  const copy = copyRepo(repo)
  try {
    await runPullRequestAction({
      server,
      repoDir: copy.dir,
      number: 399,
      base: repo.base,
      head: repo.head,
      python: stampingPython(dir),
      probeLog: join(dir, 'unused.jsonl'),
      env: { BENCH_STARTUP_STAMP: join(dir, 'stamp'), NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` }
    })
    const file = readdirSync(dir).find(name => name.endsWith('.cpuprofile'))
    if (!file) return null
    return summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')))
  } finally {
    copy.remove()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Self time (ms) per group (bundle, Node's module loader, other Node internals, GC, idle) and the top functions. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map(node => [node.id, node]))
  const self = new Map()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000))
  const groups = {}
  const functions = {}
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame
    const group = url.endsWith('dist/index.js')
      ? 'dist/index.js'
      : url.startsWith('node:internal/modules')
        ? 'node: module loading'
        : url.startsWith('node:')
          ? 'node: other internals'
          : functionName.startsWith('(')
            ? functionName
            : 'other'
    groups[group] = (groups[group] ?? 0) + ms
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`
    functions[key] = (functions[key] ?? 0) + ms
  }
  const top = Object.entries(functions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
  return { totalMs: (profile.endTime - profile.startTime) / 1000, groups, top }
}
