import { describe, it, expect } from '@jest/globals'
import { routeEvent, type RoutingSettings } from '../../src/core/routing.js'

const SETTINGS: RoutingSettings = { productionBranches: ['main'], skipDrafts: false }

const pr = (action: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  action,
  number: 7,
  pull_request: { number: 7, ...extra }
})

describe('routeEvent', () => {
  it.each(['opened', 'synchronize', 'reopened', 'ready_for_review'])('diffs on pull_request %s', action => {
    expect(routeEvent('pull_request', pr(action), SETTINGS)).toEqual({ kind: 'flow', flow: 'pull-request' })
    expect(routeEvent('pull_request_target', pr(action), SETTINGS)).toEqual({ kind: 'flow', flow: 'pull-request' })
  })

  it.each([
    'labeled',
    'unlabeled',
    'edited',
    'assigned',
    'review_requested',
    'converted_to_draft',
    'locked',
    'milestoned'
  ])('does nothing on pull_request %s, saying that no code changed', action => {
    expect(routeEvent('pull_request', pr(action), SETTINGS)).toEqual({
      kind: 'nothing',
      reason: `pull_request '${action}' on #7 changes no code: nothing to diff (the diff runs on opened, synchronize, reopened, ready_for_review, and edited when the base branch changes).`
    })
  })

  it('runs the merge flow for a merged pull request and the closed flow otherwise', () => {
    expect(routeEvent('pull_request', pr('closed', { merged: true }), SETTINGS)).toEqual({
      kind: 'flow',
      flow: 'merge'
    })
    expect(routeEvent('pull_request', pr('closed', { merged: false }), SETTINGS)).toEqual({
      kind: 'flow',
      flow: 'closed'
    })
  })

  it('diffs a draft unless skip-drafts is set; under skip-drafts it marks the comment out of date instead', () => {
    expect(routeEvent('pull_request', pr('opened', { draft: true }), SETTINGS)).toEqual({
      kind: 'flow',
      flow: 'pull-request'
    })
    for (const action of ['opened', 'synchronize', 'reopened']) {
      expect(routeEvent('pull_request', pr(action, { draft: true }), { ...SETTINGS, skipDrafts: true })).toEqual({
        kind: 'flow',
        flow: 'draft'
      })
    }
    expect(
      routeEvent('pull_request', pr('ready_for_review', { draft: false }), { ...SETTINGS, skipDrafts: true })
    ).toEqual({ kind: 'flow', flow: 'pull-request' })
  })

  it('checks the comment when a pull request goes back to draft under skip-drafts, and does nothing otherwise', () => {
    expect(
      routeEvent('pull_request', pr('converted_to_draft', { draft: true }), { ...SETTINGS, skipDrafts: true })
    ).toEqual({ kind: 'flow', flow: 'draft' })
    expect(routeEvent('pull_request', pr('converted_to_draft', { draft: true }), SETTINGS).kind).toBe('nothing')
  })

  it('diffs again when the base branch changes, and not for an edit of the title or body', () => {
    const retargeted = {
      ...pr('edited'),
      changes: { base: { ref: { from: 'develop' }, sha: { from: 'a'.repeat(40) } } }
    }
    expect(routeEvent('pull_request', retargeted, SETTINGS)).toEqual({ kind: 'flow', flow: 'pull-request' })
    expect(routeEvent('pull_request_target', retargeted, SETTINGS)).toEqual({ kind: 'flow', flow: 'pull-request' })
    const draft = { ...retargeted, pull_request: { number: 7, draft: true } }
    expect(routeEvent('pull_request', draft, { ...SETTINGS, skipDrafts: true })).toEqual({
      kind: 'flow',
      flow: 'draft'
    })
    const retitled = { ...pr('edited'), changes: { title: { from: 'WIP' } } }
    expect(routeEvent('pull_request', retitled, SETTINGS)).toEqual({
      kind: 'nothing',
      reason:
        "pull_request 'edited' on #7 changes no code: nothing to diff (the diff runs on opened, synchronize, reopened, ready_for_review, and edited when the base branch changes)."
    })
  })

  it('runs the merge flow on a push to a production branch only', () => {
    const push = (ref: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      ref,
      after: 'a'.repeat(40),
      ...extra
    })
    expect(routeEvent('push', push('refs/heads/main'), SETTINGS)).toEqual({ kind: 'flow', flow: 'merge' })
    expect(routeEvent('push', push('refs/heads/feature'), SETTINGS).kind).toBe('nothing')
    expect(routeEvent('push', push('refs/tags/main'), SETTINGS)).toEqual({
      kind: 'nothing',
      reason: 'Push of refs/tags/main, not a branch: nothing to do.'
    })
  })

  it('does nothing for a push that deletes the production branch', () => {
    const deleted = { ref: 'refs/heads/main', deleted: true, after: '0'.repeat(40), before: 'b'.repeat(40) }
    expect(routeEvent('push', deleted, SETTINGS)).toEqual({
      kind: 'nothing',
      reason: "Push that deletes branch 'main': nothing to deploy or backfill."
    })
  })

  it('does nothing for a queued merge (merge_group), so that a required check never blocks the queue', () => {
    expect(routeEvent('merge_group', { action: 'checks_requested' }, SETTINGS).kind).toBe('nothing')
  })

  it('watches source data on schedule', () => {
    expect(routeEvent('schedule', { schedule: '0 4 * * *' }, SETTINGS)).toEqual({ kind: 'flow', flow: 'watch' })
  })

  it.each(['workflow_dispatch', 'repository_dispatch'])('asks for the mode on %s', name => {
    const route = routeEvent(name, {}, SETTINGS)
    expect(route).toEqual({
      kind: 'error',
      message: expect.stringContaining(`On '${name}' the event does not say what to do: set input 'mode'`)
    })
  })

  it.each(['release', 'issue_comment', 'pull_request_review', 'check_suite', 'create', 'delete'])(
    'does nothing on %s',
    name => {
      expect(routeEvent(name, {}, SETTINGS)).toEqual({
        kind: 'nothing',
        reason: `Event '${name}' needs nothing from this action in mode 'auto'.`
      })
    }
  )

  it('names an unknown event in an error', () => {
    expect(routeEvent('sponsorship', {}, SETTINGS)).toEqual({
      kind: 'error',
      message: expect.stringMatching(/^Event 'sponsorship' is not one this action knows/)
    })
  })
})
