// A pull request closed without merging: its environment is invalidated so that it does not linger in SQLMesh's
// state (SQLMesh's janitor drops its tables and views later), unless keep-environment is set.

import * as core from '@actions/core'
import { pullRequestOf } from '../github/event.js'
import { startSqlMesh, step, type FlowContext } from './context.js'

export async function runClosedFlow(context: FlowContext): Promise<void> {
  const pr = pullRequestOf(context.event)
  if (!pr) throw new Error('The closed-pull-request flow needs a pull_request event.')
  const environment = `${context.settings.environmentPrefix}_${pr.number}`
  if (context.settings.keepEnvironment) {
    core.info(`Pull request #${pr.number} closed without merging; keeping ${environment} (keep-environment: true).`)
    return
  }
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    const outcome = await step(`Invalidate ${environment}`, () => sqlmesh.invalidate(environment))
    const said = {
      now: `Invalidated environment ${environment}.`,
      already: `Environment ${environment} was already invalidated (the pull request was closed before); nothing to do.`,
      missing: `Environment ${environment} does not exist; nothing to do.`
    }
    core.info(said[outcome])
    core.setOutput('invalidated-environment', outcome === 'now' ? environment : '')
  } finally {
    await sqlmesh.close()
  }
}
