// What every flow is handed: the settings, the event, and the log. Built once by main.ts.

import * as core from '@actions/core'
import { existsSync, realpathSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { InputError } from '../inputs.js'
import { redact, registerSecret } from '../secrets.js'
import { COMMENT_LIMIT, fitSections, SUMMARY_LIMIT, type Section } from '../report/fit.js'
import { SqlMesh, type StateLocation } from '../sqlmesh/client.js'
import { locatePython } from '../sqlmesh/locate.js'
import type { Settings } from '../inputs.js'
import type { WorkflowEvent } from '../github/event.js'
import type { ModelInfo } from '../core/types.js'

export interface FlowContext {
  readonly settings: Settings
  readonly event: WorkflowEvent
  /** The checked-out repository (GITHUB_WORKSPACE). */
  readonly workspace: string
}

/** Runs a step inside a collapsible log group. */
export async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  return core.group(title, work)
}

/** Writes the job summary (redacted: nothing masks it), when the runner provides one. */
export async function writeSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(redact(markdown), true).write()
}

/** Writes a report's sections as the job summary, cut to GitHub's size limit for it. */
export async function writeSummarySections(
  sections: readonly Section[],
  hint = 'See the action log for the rest.'
): Promise<void> {
  await writeSummary(fitSections(sections, SUMMARY_LIMIT, hint).markdown)
}

/**
 * A report's sections as the body of a comment or issue: cut to GitHub's size limit, pointing to the job summary for
 * what was left out, and redacted (nothing masks a comment).
 */
export function commentBody(
  context: FlowContext,
  sections: readonly Section[]
): { markdown: string; omitted: readonly string[] } {
  const fitted = fitSections(sections, COMMENT_LIMIT, `The full report is in the job summary: ${context.event.runUrl}`)
  return { markdown: redact(fitted.markdown), omitted: fitted.omitted }
}

/**
 * The job fails for a reason the report already shows (fail-on, failed audits, a failed backfill): main.ts turns it
 * into one annotation with this title, instead of a generic failure.
 */
export class PolicyFailure extends Error {
  constructor(
    readonly title: string,
    message: string
  ) {
    super(message)
    this.name = 'PolicyFailure'
  }
}

export function projectDir(context: FlowContext): string {
  const dir = context.settings.projectPath
  return isAbsolute(dir) ? dir : resolve(context.workspace, dir)
}

/** Starts SQLMesh on the project; the Python process never sees the GitHub token or the runner's own tokens. */
export async function startSqlMesh(context: FlowContext): Promise<SqlMesh> {
  const dir = projectDir(context)
  if (!CONFIG_FILES.some(file => existsSync(join(dir, file)))) {
    throw new InputError(
      `Input 'project-path' is '${context.settings.projectPath}', but ${dir} has no SQLMesh config (${CONFIG_FILES.join(', ')}). Point it at the folder of your SQLMesh project.`
    )
  }
  const python = locatePython(context.settings.python, process.env.PATH)
  core.info(`Python: ${python}`)
  const workingDirectory = sqlmeshDir(context)
  core.info(
    `SQLMesh runs in ${workingDirectory}: relative paths in its config (a DuckDB file, a dbt profile's path) resolve there.`
  )
  const sqlmesh = await SqlMesh.create({
    python,
    projectPath: projectDir(context),
    workingDirectory,
    gateway: context.settings.gateway,
    env: { ...pythonEnv(process.env), SQLMESH_ACTION_WORKERS: String(context.settings.diffConcurrency) },
    log: line => core.info(line),
    warn: message => core.warning(message),
    mask: registerSecret
  })
  core.info(
    `SQLMesh ${sqlmesh.version}: ${sqlmesh.models.length} models loaded; table diffs run ${sqlmesh.diffWorkers} at a time`
  )
  return sqlmesh
}

/** The directory SQLMesh runs in: `working-directory` (repository-relative) or, by default, the project folder. */
export function sqlmeshDir(context: FlowContext): string {
  const dir = context.settings.workingDirectory
  if (!dir) return projectDir(context)
  const resolved = isAbsolute(dir) ? dir : resolve(context.workspace, dir)
  if (!existsSync(resolved)) {
    throw new InputError(
      `Input 'working-directory' is '${dir}', but ${resolved} does not exist. Give a folder relative to the repository root.`
    )
  }
  return resolved
}

/** Which state SQLMesh read, in words: the gateway, and the database file where it is one. */
export function describeStateLocation(state: StateLocation): string {
  const file = state.database ? `, ${state.type} database ${state.database}` : `, ${state.type} connection`
  return `gateway '${state.gateway}'${file}; SQLMesh ran in ${state.cwd}`
}

/**
 * Prod must exist before a pull-request environment is built against it. A missing prod usually means SQLMesh read
 * another state than the team's (a relative DuckDB path resolved in the wrong directory, the wrong gateway): say
 * which one, and stop before anything is built.
 */
export async function requireEnvironment(sqlmesh: SqlMesh, name: string): Promise<void> {
  if (await sqlmesh.environment(name, true)) return
  throw new InputError(
    `Environment '${name}' does not exist in the SQLMesh state the action read (${describeStateLocation(sqlmesh.state)}). ` +
      `If prod lives elsewhere, check the 'gateway', 'project-path' and 'working-directory' inputs (relative paths in the SQLMesh config resolve against the working directory); if this project has never been deployed, deploy it to '${name}' first. Nothing was built.`
  )
}

const CONFIG_FILES = ['config.yaml', 'config.yml', 'config.py', 'sqlmesh.yaml', 'sqlmesh.yml']

const HIDDEN_FROM_PYTHON =
  /^(INPUT_.*|GITHUB_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL)$/

export function pythonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !HIDDEN_FROM_PYTHON.test(key)))
}

/** Model paths made relative to the repository root, so that they compare with the paths git reports. */
export function repositoryRelative(models: readonly ModelInfo[], repoRoot: string): ModelInfo[] {
  const root = realpathSync(repoRoot)
  const rel = (path: string | null): string | null => {
    if (!path) return null
    let real = path
    try {
      real = realpathSync(path)
    } catch {
      // A file SQLMesh knows but the checkout does not (deleted); keep the path as given.
    }
    const result = relative(root, real)
    return result.startsWith('..') ? null : result.split('\\').join('/')
  }
  return models.map(model => ({ ...model, path: rel(model.path), seedPath: rel(model.seedPath) }))
}
