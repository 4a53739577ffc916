// The bundled action on real webhook payloads (@octokit/webhooks-examples) for events and actions with nothing to do:
// one notice, exit 0, SQLMesh never started; and the events that need a mode fail with the message that says so.

import { describe, it, expect } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../support/scenario.mjs'

interface WebhookEvent {
  readonly name: string
  readonly examples: readonly Record<string, unknown>[]
}

const EVENTS = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as WebhookEvent[]

function example(name: string, action?: string): Record<string, unknown> {
  const found = EVENTS.find(event => event.name === name)?.examples.find(
    payload => action === undefined || payload.action === action
  )
  if (!found) throw new Error(`No ${name} ${action ?? ''} example`)
  return found
}

async function run(eventName: string, payload: Record<string, unknown>): Promise<{ code: unknown; stdout: string }> {
  const workspace = mkdtempSync(join(tmpdir(), 'events-'))
  try {
    // No server: an event with nothing to do must not call GitHub. The API URL points nowhere.
    return await runAction({
      repoDir: workspace,
      eventName,
      payload,
      inputs: { 'github-token': 'ghs_events', 'production-branches': 'master' },
      apiUrl: 'http://127.0.0.1:9',
      repository: 'Codertocat/Hello-World'
    })
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

describe('events with nothing to do, on the bundled action', () => {
  it.each(['labeled', 'unlabeled', 'assigned', 'review_requested', 'converted_to_draft', 'locked'])(
    'pull_request %s: one notice, exit 0, nothing loaded',
    async action => {
      const result = await run('pull_request', example('pull_request', action))
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(`^::notice::pull_request '${action}' on #\\d+ changes no code: nothing to diff`, 'm')
      )
      expect(result.stdout).not.toContain('Load the SQLMesh project')
    }
  )

  it('merge_group: exit 0, so a required check never blocks the merge queue', async () => {
    const result = await run('merge_group', example('merge_group', 'checks_requested'))
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      '::notice::merge_group: the diff was reported on the pull request when it was pushed'
    )
  })

  it('a push that deletes the production branch: said plainly, exit 0, no git error', async () => {
    const deleted = {
      ...(EVENTS.find(event => event.name === 'push')?.examples.find(payload => payload.deleted === true) ?? {}),
      ref: 'refs/heads/master'
    }
    const result = await run('push', deleted)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("::notice::Push that deletes branch 'master': nothing to deploy or backfill.")
    expect(result.stdout).not.toContain('bad object')
  })

  it.each([
    ['release', 'published'],
    ['issue_comment', 'created'],
    ['pull_request_review', 'submitted']
  ])('%s %s: exit 0', async (name, action) => {
    const result = await run(name, example(name, action))
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`::notice::Event '${name}' needs nothing from this action in mode 'auto'.`)
  })

  it("workflow_dispatch without 'mode' fails, saying which input to set", async () => {
    const result = await run('workflow_dispatch', example('workflow_dispatch'))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      "::error::On 'workflow_dispatch' the event does not say what to do: set input 'mode' to 'backfill', 'diff' or 'watch' in this workflow's step."
    )
  })
})
