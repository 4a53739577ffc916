// What the numbers were measured on and with: they mean nothing without the machine, the versions and the exact
// bundle (others change dist/ while a benchmark runs, so its hash is recorded too).

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { availableParallelism, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../support/scenario.mjs'
import { PYTHON } from './repo.mjs'

export function describeMachine() {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'), '')
  const versions = safe(
    () =>
      JSON.parse(
        execFileSync(
          PYTHON,
          ['-c', 'import json, sys, sqlmesh; print(json.dumps([sys.version.split()[0], sqlmesh.__version__]))'],
          {
            encoding: 'utf8'
          }
        )
      ),
    ['unknown', 'unknown']
  )
  return {
    nproc: availableParallelism(),
    memoryGiB: totalmem() / 1024 ** 3,
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    python: versions[0],
    sqlmesh: versions[1],
    commit: safe(
      () => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
      'unknown'
    ),
    bundleSha256: sha256(join(ROOT, 'dist', 'index.js')),
    bridgeSha256: sha256(join(ROOT, 'dist', 'sqlmesh_bridge.py'))
  }
}

function sha256(path) {
  return safe(() => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16), 'missing')
}

function safe(work, fallback) {
  try {
    return work()
  } catch {
    return fallback
  }
}
