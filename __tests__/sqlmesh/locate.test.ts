import { describe, it, expect } from '@jest/globals'
import {
  INSTALL_HINT,
  MIN_SQLMESH,
  checkSqlMeshVersion,
  compareVersions,
  locatePython,
  shebangInterpreter
} from '../../src/sqlmesh/locate.js'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

describe('shebangInterpreter', () => {
  it('reads a plain path to a Python', () => {
    expect(shebangInterpreter('#!/opt/venv/bin/python3\nimport sys\n')).toBe('/opt/venv/bin/python3')
    expect(shebangInterpreter('#!/usr/local/bin/python3.12\n')).toBe('/usr/local/bin/python3.12')
    expect(shebangInterpreter('#!/usr/bin/python')).toBe('/usr/bin/python')
  })

  it('allows a space after #! and a Windows line ending', () => {
    expect(shebangInterpreter('#! /opt/venv/bin/python3\r\nimport sys')).toBe('/opt/venv/bin/python3')
  })

  it('finds python in a path that has python earlier in it', () => {
    expect(shebangInterpreter('#!/home/ci/python-envs/sqlmesh/bin/python3\n')).toBe(
      '/home/ci/python-envs/sqlmesh/bin/python3'
    )
  })

  it('ignores an interpreter run through env or with arguments', () => {
    expect(shebangInterpreter('#!/usr/bin/env python3\n')).toBeNull()
    expect(shebangInterpreter('#!/usr/bin/python3 -E\n')).toBeNull()
  })

  it('ignores a shell script and a script with no shebang', () => {
    expect(shebangInterpreter('#!/bin/sh\n"exec" "/opt/with space/python3" "$0" "$@"\n')).toBeNull()
    expect(shebangInterpreter('import sys\n#!/usr/bin/python3\n')).toBeNull()
    expect(shebangInterpreter('')).toBeNull()
  })
})

describe('compareVersions', () => {
  it('compares numerically, not as text', () => {
    expect(compareVersions('0.236.0', '0.99.0')).toBe(1)
    expect(compareVersions('0.99.0', '0.236.0')).toBe(-1)
    expect(compareVersions('0.236.10', '0.236.9')).toBe(1)
    expect(compareVersions('1', '0.999.999')).toBe(1)
  })

  it('treats equal versions and missing trailing parts as equal', () => {
    expect(compareVersions('0.236.0', '0.236.0')).toBe(0)
    expect(compareVersions('0.236', '0.236.0')).toBe(0)
  })

  it('ignores pre-release suffixes', () => {
    expect(compareVersions('0.236.0rc1', '0.236.0')).toBe(0)
    expect(compareVersions('0.237.0.dev3', '0.237.0')).toBe(0)
    expect(compareVersions('0.236.1rc1', '0.236.0')).toBe(1)
  })
})

describe('checkSqlMeshVersion', () => {
  it('rejects a version that is too old, with the pip install hint', () => {
    const verdict = checkSqlMeshVersion('0.235.2', '/opt/venv/bin/python3')
    expect(verdict).toEqual({
      ok: false,
      message:
        'SQLMesh 0.235.2 (in /opt/venv/bin/python3) is too old: this action needs 0.236.0 or newer. ' +
        'Upgrade it in a step before this action: pip install "sqlmesh>=0.236.0"'
    })
    expect(INSTALL_HINT).toBe(`pip install "sqlmesh>=${MIN_SQLMESH}"`)
  })

  it('accepts the tested minor version without a warning', () => {
    expect(checkSqlMeshVersion('0.236.0', 'python3')).toEqual({ ok: true })
    expect(checkSqlMeshVersion('0.236.7', 'python3')).toEqual({ ok: true })
  })

  it('accepts a newer minor version with a warning', () => {
    expect(checkSqlMeshVersion('0.237.1', 'python3')).toEqual({
      ok: true,
      warning: 'SQLMesh 0.237.1 is newer than the versions this action is tested with (0.236.x).'
    })
  })

  it('warns for a newer major version too', () => {
    const verdict = checkSqlMeshVersion('1.0.0', 'python3')
    expect(verdict.ok).toBe(true)
    expect(verdict).toHaveProperty(
      'warning',
      'SQLMesh 1.0.0 is newer than the versions this action is tested with (0.236.x).'
    )
  })
})

describe('locatePython', () => {
  it('uses the python input as it is', () => {
    expect(locatePython('/opt/py/bin/python3.11', '/usr/bin')).toBe('/opt/py/bin/python3.11')
  })

  it('reads the interpreter of a sqlmesh executable given as the input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locate-'))
    const script = join(dir, 'sqlmesh')
    writeFileSync(script, '#!/venv/bin/python3\nimport sys\n')
    chmodSync(script, 0o755)
    expect(locatePython(script, '')).toBe('/venv/bin/python3')
  })

  it('finds the sqlmesh executable on PATH and uses its interpreter, else python3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locate-'))
    writeFileSync(join(dir, 'sqlmesh'), '#!/envs/data/bin/python\n')
    chmodSync(join(dir, 'sqlmesh'), 0o755)
    expect(locatePython('', `/nowhere:${dir}`)).toBe('/envs/data/bin/python')
    expect(locatePython('', '/nowhere')).toBe('python3')
  })
})
