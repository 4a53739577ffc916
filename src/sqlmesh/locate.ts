// Finding the Python interpreter that has SQLMesh, and checking that SQLMesh is a version the action supports.

import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Oldest SQLMesh the action is tested with; newer minor versions get a warning, older ones an error. */
export const MIN_SQLMESH = '0.236.0'
export const TESTED_SQLMESH_MINOR = '0.236'
export const INSTALL_HINT = `pip install "sqlmesh>=${MIN_SQLMESH}"`

/**
 * The interpreter to run the bridge with: the `python` input when set; else the interpreter of the `sqlmesh`
 * executable on PATH (its shebang line), so that whatever environment `pip install sqlmesh` went into is used;
 * else `python3`.
 */
export function locatePython(explicit: string, pathVariable: string | undefined): string {
  if (explicit) return explicit
  for (const dir of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'sqlmesh')
    try {
      accessSync(candidate, constants.X_OK)
    } catch {
      continue
    }
    const interpreter = shebangInterpreter(readFileSync(candidate, 'utf8').slice(0, 512))
    if (interpreter) return interpreter
  }
  return 'python3'
}

/** The interpreter named by a script's `#!` line, when it is a plain path to a Python. */
export function shebangInterpreter(head: string): string | null {
  const match = /^#!\s*(\S*python[\d.]*)\s*$/m.exec(head.split('\n')[0] ?? '')
  return match ? (match[1] as string) : null
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
    return { ok: true, warning: `SQLMesh ${version} is newer than the versions this action is tested with (${TESTED_SQLMESH_MINOR}.x).` }
  }
  return { ok: true }
}
