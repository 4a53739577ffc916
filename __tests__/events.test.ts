// Every real webhook payload GitHub documents (the npm package @octokit/webhooks-examples) for the events a workflow
// can run on, through the action's routing in mode 'auto': the flow chosen, or why there is nothing to do, or the
// error. Only refs are adapted, where a case needs one the examples lack (a push that deletes the production branch).

import { describe, it, expect } from '@jest/globals'
import { createRequire } from 'node:module'
import { chooseFlow } from '../src/main.js'
import { routeEvent } from '../src/core/routing.js'
import { runPullRequestFlow } from '../src/flows/pr.js'
import { runMergeFlow } from '../src/flows/merge.js'
import { runClosedFlow } from '../src/flows/closed.js'
import { runDraftFlow } from '../src/flows/draft.js'
import { settings, workflowEvent } from './fixtures/builders.js'

interface WebhookEvent {
  readonly name: string
  readonly examples: readonly Record<string, unknown>[]
}

const EVENTS = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as WebhookEvent[]
const examples = (name: string): Record<string, unknown>[] => [
  ...(EVENTS.find(event => event.name === name)?.examples ?? [])
]
const SETTINGS = settings({ productionBranches: ['master'] })
const action = (payload: Record<string, unknown>): string => (typeof payload.action === 'string' ? payload.action : '')

describe('pull_request payloads from GitHub', () => {
  const diffing = ['opened', 'synchronize', 'reopened', 'ready_for_review']

  it.each(examples('pull_request').map(payload => [action(payload), payload] as const))('%s', (name, payload) => {
    const flow = chooseFlow(SETTINGS, workflowEvent('pull_request', payload))
    if (diffing.includes(name)) expect(flow).toBe(runPullRequestFlow)
    else if (name === 'closed') expect(flow).toBe(runClosedFlow)
    else {
      expect(flow).toBeNull()
      expect(routeEvent('pull_request', payload, SETTINGS)).toEqual({
        kind: 'nothing',
        reason: expect.stringContaining(`pull_request '${name}' on #`)
      })
    }
  })

  it('a closed pull request that was merged runs the merge flow', () => {
    const closed = examples('pull_request').find(payload => action(payload) === 'closed') as Record<string, unknown>
    const merged = { ...closed, pull_request: { ...(closed.pull_request as object), merged: true } }
    expect(chooseFlow(SETTINGS, workflowEvent('pull_request', merged))).toBe(runMergeFlow)
  })

  it('a draft is not diffed under skip-drafts, and is once ready for review', () => {
    const draft = examples('pull_request').find(payload => action(payload) === 'converted_to_draft') as Record<
      string,
      unknown
    >
    const opened = { ...draft, action: 'opened' }
    expect(routeEvent('pull_request', opened, { ...SETTINGS, skipDrafts: true })).toEqual({
      kind: 'flow',
      flow: 'draft'
    })
    const ready = examples('pull_request').find(payload => action(payload) === 'ready_for_review') as Record<
      string,
      unknown
    >
    expect(routeEvent('pull_request', ready, { ...SETTINGS, skipDrafts: true })).toEqual({
      kind: 'flow',
      flow: 'pull-request'
    })
  })
})

describe('pull_request payloads from GitHub, under skip-drafts', () => {
  const skipping = { ...SETTINGS, skipDrafts: true }

  it.each(examples('pull_request').filter(payload => action(payload) === 'converted_to_draft'))(
    'converted_to_draft (#%#): the comment is checked against the head, without SQLMesh',
    payload => {
      expect(chooseFlow(skipping, workflowEvent('pull_request', payload))).toBe(runDraftFlow)
    }
  )

  it('a push to a draft marks the comment out of date instead of leaving it', () => {
    const push = examples('pull_request').find(payload => action(payload) === 'synchronize') as Record<string, unknown>
    const draft = { ...push, pull_request: { ...(push.pull_request as object), draft: true } }
    expect(chooseFlow(skipping, workflowEvent('pull_request', draft))).toBe(runDraftFlow)
    expect(chooseFlow(SETTINGS, workflowEvent('pull_request', draft))).toBe(runPullRequestFlow)
  })
})

describe('a pull request retargeted to another base branch', () => {
  // GitHub's examples hold no pull_request 'edited'; this is a real 'synchronize' payload given the action and the
  // `changes.base` that GitHub documents for 'edited' (@octokit/webhooks-types, PullRequestEditedEvent).
  const push = examples('pull_request').find(payload => action(payload) === 'synchronize') as Record<string, unknown>
  const edited = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...push, action: 'edited', changes })

  it('is diffed again against the new base', () => {
    const retargeted = edited({ base: { ref: { from: 'develop' }, sha: { from: '0'.repeat(40) } } })
    expect(chooseFlow(SETTINGS, workflowEvent('pull_request', retargeted))).toBe(runPullRequestFlow)
  })

  it('but an edit of the title or body changes no code', () => {
    expect(chooseFlow(SETTINGS, workflowEvent('pull_request', edited({ title: { from: 'WIP' } })))).toBeNull()
    expect(chooseFlow(SETTINGS, workflowEvent('pull_request', edited({ body: { from: '' } })))).toBeNull()
  })
})

describe('push payloads from GitHub', () => {
  it.each(
    examples('push').map(payload => [`${String(payload.ref)}${payload.deleted ? ' (deleted)' : ''}`, payload] as const)
  )('%s', (_name, payload) => {
    const route = routeEvent('push', payload, SETTINGS)
    const branchPush = String(payload.ref).startsWith('refs/heads/') && payload.deleted !== true
    expect(route.kind).toBe(branchPush ? 'flow' : 'nothing')
  })

  it('a push that deletes the production branch: nothing to do, said plainly', () => {
    const deletedTag = examples('push').find(payload => payload.deleted === true) as Record<string, unknown>
    const deletedBranch = { ...deletedTag, ref: 'refs/heads/master' }
    expect(routeEvent('push', deletedBranch, SETTINGS)).toEqual({
      kind: 'nothing',
      reason: "Push that deletes branch 'master': nothing to deploy or backfill."
    })
  })
})

describe('other events a workflow can run on', () => {
  it.each(examples('merge_group').map(payload => [action(payload), payload] as const))(
    'merge_group %s: nothing to do',
    (_name, payload) => {
      expect(routeEvent('merge_group', payload, SETTINGS)).toEqual({
        kind: 'nothing',
        reason: expect.stringMatching(/^merge_group: the diff was reported on the pull request/)
      })
    }
  )

  it.each(['workflow_dispatch', 'repository_dispatch', 'workflow_run'])('%s asks for the mode', name => {
    for (const payload of examples(name)) expect(routeEvent(name, payload, SETTINGS).kind).toBe('error')
  })

  it.each([
    'branch_protection_rule',
    'check_run',
    'check_suite',
    'create',
    'delete',
    'deployment',
    'deployment_status',
    'discussion',
    'discussion_comment',
    'fork',
    'gollum',
    'issue_comment',
    'issues',
    'label',
    'milestone',
    'page_build',
    'public',
    'pull_request_review',
    'pull_request_review_comment',
    'pull_request_review_thread',
    'release',
    'status',
    'watch'
  ])('%s: nothing to do', name => {
    expect(examples(name).length).toBeGreaterThan(0)
    for (const payload of examples(name))
      expect(routeEvent(name, payload, SETTINGS)).toEqual({
        kind: 'nothing',
        reason: `Event '${name}' needs nothing from this action in mode 'auto'.`
      })
  })
})
