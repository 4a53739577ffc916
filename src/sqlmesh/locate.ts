// Finding the Python interpreter that has SQLMesh, and checking that SQLMesh is a version the action supports.

import { accessSync, constants, readFileSync } from 'node:fs'
import { basename, delimiter, join } from 'node:path'

/** Oldest SQLMesh the action is tested with; newer minor versions get a warning, older ones an error. */
export const MIN_SQLMESH = '0.236.0'
export const TESTED_SQLMESH_MINOR = '0.236'
export const INSTALL_HINT = `pip install "sqlmesh>=${MIN_SQLMESH}"`

/**
 * The interpreter to run the bridge with: the `python` input when set (a Python, or a `sqlmesh` executable whose
 * interpreter is then used); else the interpreter of the `sqlmesh`
 * executable on PATH (its shebang line), so that whatever environment `pip install sqlmesh` went into is used;
 * else `python3`.
 */
export function locatePython(explicit: string, pathVariable: string | undefined): string {
  // The input may name the `sqlmesh` executable itself: its interpreter is the one to use.
  if (explicit) return basename(explicit).startsWith('sqlmesh') ? (interpreterOf(explicit) ?? explicit) : explicit
  for (const dir of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    const interpreter = interpreterOf(join(dir, 'sqlmesh'))
    if (interpreter) return interpreter
  }
  return 'python3'
}

function interpreterOf(script: string): string | null {
  try {
    accessSync(script, constants.X_OK)
    return shebangInterpreter(readFileSync(script, 'utf8').slice(0, 512))
  } catch {
    return null
  }
}

/** The interpreter named by a script's `#!` line, when it is a plain path to a Python. */
export function shebangInterpreter(head: string): string | null {
  const match = /^#!\s*(\S*python[\d.]*)\s*$/m.exec(head.split('\n')[0] ?? '')
  return match ? match[1] : null
}

/** Compares dotted versions numerically (pre-release suffixes ignored). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => v.split('.').map(part => Number.parseInt(part, 10) || 0)
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0)
    if (diff !== 0) return Math.sign(diff)
  }
  return 0
}

export type VersionVerdict = { ok: true; warning?: string } | { ok: false; message: string }

export function checkSqlMeshVersion(version: string, python: string): VersionVerdict {
  if (compareVersions(version, MIN_SQLMESH) < 0) {
    return {
      ok: false,
      message: `SQLMesh ${version} (in ${python}) is too old: this action needs ${MIN_SQLMESH} or newer. Upgrade it in a step before this action: ${INSTALL_HINT}`
    }
  }
  if (!version.startsWith(`${TESTED_SQLMESH_MINOR}.`)) {
    return {
      ok: true,
      warning: `SQLMesh ${version} is newer than the versions this action is tested with (${TESTED_SQLMESH_MINOR}.x).`
    }
  }
  return { ok: true }
}
