// The only module that reads the action's inputs. Every value is checked here and turned into one typed,
// read-only settings object; a bad value throws with the input's name, the value and what is expected.

import * as core from '@actions/core'
import { FAIL_ON_VALUES, isFailOn, ON_UNCOMPARED_VALUES, type FailOn, type OnUncompared } from './core/gate.js'
import { registerSecret } from './secrets.js'

export const DIFF_SCOPES = ['affected', 'changed'] as const
export type DiffScope = (typeof DIFF_SCOPES)[number]

export const MODES = ['auto', 'pull-request', 'merge', 'backfill', 'diff', 'watch'] as const

export const WATCH_FIRST_RUN = ['baseline', 'rebuild'] as const
export type WatchFirstRun = (typeof WATCH_FIRST_RUN)[number]
export type Mode = (typeof MODES)[number]

export interface Settings {
  readonly mode: Mode
  readonly projectPath: string
  readonly gateway: string
  readonly prodEnvironment: string
  readonly environmentPrefix: string
  readonly environmentStart: string
  readonly environmentEnd: string
  readonly diffScope: DiffScope
  readonly sampleRows: number
  readonly decimals: number
  readonly diffConcurrency: number
  readonly failOn: FailOn
  readonly onUncompared: OnUncompared
  readonly workingDirectory: string
  readonly skipTests: boolean
  readonly python: string
  readonly commentAuthor: string
  readonly token: string
  readonly backfillStart: string
  readonly backfillEnd: string
  readonly backfillConfig: string
  readonly deploy: boolean
  readonly dryRun: boolean
  readonly force: boolean
  readonly models: readonly string[]
  readonly sourceEnvironment: string
  readonly targetEnvironment: string
  readonly keepEnvironment: boolean
  readonly productionBranches: readonly string[]
  readonly allowUntrustedCode: boolean
  readonly skipDrafts: boolean
  readonly watchConfig: string
  readonly watchSchema: string
  readonly watchFirstRun: WatchFirstRun
  readonly watchIssue: boolean
}

export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

export function readSettings(): Settings {
  const token = core.getInput('github-token')
  if (token) registerSecret(token)
  return {
    mode: oneOf('mode', core.getInput('mode') || 'auto', MODES),
    projectPath: core.getInput('project-path') || '.',
    gateway: core.getInput('gateway'),
    prodEnvironment: environmentName('prod-environment', core.getInput('prod-environment') || 'prod'),
    environmentPrefix: environmentName('environment-prefix', core.getInput('environment-prefix') || 'pr'),
    environmentStart: core.getInput('environment-start'),
    environmentEnd: core.getInput('environment-end'),
    diffScope: oneOf('diff-scope', core.getInput('diff-scope') || 'affected', DIFF_SCOPES),
    sampleRows: wholeNumber('sample-rows', core.getInput('sample-rows') || '0', 0, 100),
    decimals: wholeNumber('decimals', core.getInput('decimals') || '3', 0, 12),
    diffConcurrency: wholeNumber('diff-concurrency', core.getInput('diff-concurrency') || '4', 1, 32),
    failOn: failOn(core.getInput('fail-on') || 'never'),
    onUncompared: oneOf('on-uncompared', core.getInput('on-uncompared') || 'fail', ON_UNCOMPARED_VALUES),
    workingDirectory: core.getInput('working-directory'),
    skipTests: booleanInput('skip-tests'),
    python: core.getInput('python'),
    commentAuthor: core.getInput('comment-author') || 'github-actions[bot]',
    token,
    backfillStart: core.getInput('backfill-start'),
    backfillEnd: core.getInput('backfill-end'),
    backfillConfig: core.getInput('backfill-config') || 'backfill.yaml',
    deploy: booleanInput('deploy', true),
    dryRun: booleanInput('dry-run'),
    force: booleanInput('force'),
    models: listInput(core.getInput('models')),
    sourceEnvironment: optionalEnvironmentName('source-environment', core.getInput('source-environment')),
    targetEnvironment: optionalEnvironmentName('target-environment', core.getInput('target-environment')),
    keepEnvironment: booleanInput('keep-environment'),
    productionBranches: listInput(core.getInput('production-branches') || 'main'),
    allowUntrustedCode: booleanInput('allow-untrusted-code'),
    skipDrafts: booleanInput('skip-drafts'),
    watchConfig: core.getInput('watch-config') || 'watch.yaml',
    watchSchema: schemaName('watch-schema', core.getInput('watch-schema') || 'sqlmesh_action'),
    watchFirstRun: oneOf('watch-first-run', core.getInput('watch-first-run') || 'baseline', WATCH_FIRST_RUN),
    watchIssue: booleanInput('watch-issue')
  }
}

/** A list given as commas, spaces or new lines, in the order given, without duplicates. */
export function listInput(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter(Boolean))]
}

function optionalEnvironmentName(name: string, value: string): string {
  return value === '' ? '' : environmentName(name, value)
}

function booleanInput(name: string, fallback = false): boolean {
  // An input missing from the environment (the action run outside a runner) takes the default action.yml gives it.
  if (core.getInput(name) === '') return fallback
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InputError(`Input '${name}' must be true or false, got '${core.getInput(name)}'.`)
  }
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(`Input '${name}' is '${value}'; expected one of: ${allowed.join(', ')}.`)
}

function failOn(value: string): FailOn {
  if (isFailOn(value)) return value
  throw new InputError(`Input 'fail-on' is '${value}'; expected one of: ${FAIL_ON_VALUES.join(', ')}.`)
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new InputError(`Input '${name}' is '${value}'; expected a whole number from ${min} to ${max}.`)
  }
  return parsed
}

function environmentName(name: string, value: string): string {
  if (/^[A-Za-z0-9_]+$/.test(value)) return value
  throw new InputError(
    `Input '${name}' is '${value}'; expected letters, digits and underscores only (a SQLMesh environment name).`
  )
}

function schemaName(name: string, value: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return value
  throw new InputError(
    `Input '${name}' is '${value}'; expected a schema name: a letter or underscore, then letters, digits and underscores.`
  )
}
