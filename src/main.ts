// run(): reads the inputs and the event, picks the flow, and is the one place that marks the job failed.

import * as core from '@actions/core'
import { readSettings } from './inputs.js'
import { readWorkflowEvent } from './github/event.js'
import { runPullRequestFlow } from './flows/pr.js'
import type { FlowContext } from './flows/context.js'

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    const event = readWorkflowEvent(process.env)
    const context: FlowContext = { settings, event, workspace: process.env.GITHUB_WORKSPACE || process.cwd() }
    if (PULL_REQUEST_EVENTS.has(event.name)) {
      await runPullRequestFlow(context)
      return
    }
    throw new Error(`This action runs on pull_request events; got '${event.name || 'no event'}'.`)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
