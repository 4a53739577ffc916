// run(): reads the inputs and the event, picks the flow, and is the one place that marks the job failed.

import * as core from '@actions/core'
import { InputError, readSettings, type Settings } from './inputs.js'
import { pullRequestOf, readWorkflowEvent, type WorkflowEvent } from './github/event.js'
import { runPullRequestFlow } from './flows/pr.js'
import { runDraftFlow } from './flows/draft.js'
import { runMergeFlow } from './flows/merge.js'
import { runClosedFlow } from './flows/closed.js'
import { runManualBackfill, runManualDiff } from './flows/manual.js'
import { runWatchFlow } from './flows/watch.js'
import { PolicyFailure, type FlowContext } from './flows/context.js'
import { routeEvent, type FlowName } from './core/routing.js'

type Flow = (context: FlowContext) => Promise<void>

export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    const event = readWorkflowEvent(process.env)
    const context: FlowContext = { settings, event, workspace: process.env.GITHUB_WORKSPACE || process.cwd() }
    refuseUntrustedCode(settings, event)
    const flow = chooseFlow(settings, event)
    if (flow) await flow(context)
  } catch (error) {
    if (error instanceof PolicyFailure) {
      core.error(error.message, { title: error.title })
      process.exitCode = core.ExitCode.Failure
      return
    }
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}

/**
 * Loading a SQLMesh project runs its Python (macros, Python models, config.py). Under pull_request_target and
 * workflow_run the job has the base repository's secrets and a write token, so a fork's code must not be loaded there
 * unless the workflow says so explicitly.
 */
export function refuseUntrustedCode(settings: Settings, event: WorkflowEvent): void {
  if (event.name !== 'pull_request_target' && event.name !== 'workflow_run') return
  const pr = pullRequestOf(event)
  const workflowRun = event.payload.workflow_run as
    { head_repository?: { full_name?: string }; repository?: { full_name?: string } } | undefined
  const workflowHead = workflowRun?.head_repository?.full_name
  const fromFork =
    pr?.fromFork ?? (workflowRun !== undefined && (!workflowHead || workflowHead !== workflowRun.repository?.full_name))
  if (fromFork && !settings.allowUntrustedCode) {
    throw new InputError(
      `Refusing to load a SQLMesh project from a fork under '${event.name}': loading it runs the fork's Python with this workflow's secrets. ` +
        "Run the diff on 'pull_request' (fork-safe, read-only token) and hand results to a privileged job as an artifact, or set 'allow-untrusted-code: true' if you accept the risk."
    )
  }
}

/** The flow for the event and mode; null when the event needs nothing (a push to a branch that is not production). */
export function chooseFlow(settings: Settings, event: WorkflowEvent): Flow | null {
  switch (settings.mode) {
    case 'pull-request':
      return runPullRequestFlow
    case 'merge':
      return runMergeFlow
    case 'backfill':
      return runManualBackfill
    case 'diff':
      return runManualDiff
    case 'watch':
      return runWatchFlow
    case 'auto':
      return autoFlow(settings, event)
  }
}

const FLOWS: Record<FlowName, Flow> = {
  'pull-request': runPullRequestFlow,
  draft: runDraftFlow,
  merge: runMergeFlow,
  closed: runClosedFlow,
  watch: runWatchFlow
}

/** Mode 'auto': the event decides (see core/routing.ts); an event with nothing to do says so in one notice. */
function autoFlow(settings: Settings, event: WorkflowEvent): Flow | null {
  const route = routeEvent(event.name, event.payload, settings)
  switch (route.kind) {
    case 'flow':
      return FLOWS[route.flow]
    case 'nothing':
      core.notice(route.reason)
      return null
    case 'error':
      throw new InputError(route.message)
  }
}
