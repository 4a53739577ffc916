import { describe, it, expect, jest, afterEach } from '@jest/globals'
import { chooseFlow, refuseUntrustedCode } from '../src/main.js'
import { InputError } from '../src/inputs.js'
import { runPullRequestFlow } from '../src/flows/pr.js'
import { runMergeFlow } from '../src/flows/merge.js'
import { runClosedFlow } from '../src/flows/closed.js'
import { runManualBackfill, runManualDiff } from '../src/flows/manual.js'
import { runWatchFlow } from '../src/flows/watch.js'
import { pullRequestPayload, settings, workflowEvent } from './fixtures/builders.js'

const FORK = 'mallory/warehouse'

afterEach(() => {
  jest.restoreAllMocks()
})

/** Captures what @actions/core logs (it writes to stdout) while `work` runs. */
function captureLog<T>(work: () => T): { result: T; log: string } {
  const lines: string[] = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk))
    return true
  })
  const result = work()
  jest.restoreAllMocks()
  return { result, log: lines.join('') }
}

describe('chooseFlow in mode auto', () => {
  it.each(['opened', 'synchronize', 'reopened'])('runs the pull request flow for pull_request %s', action => {
    expect(chooseFlow(settings(), workflowEvent('pull_request', pullRequestPayload(action)))).toBe(runPullRequestFlow)
  })

  it('runs the pull request flow for pull_request_target too', () => {
    expect(chooseFlow(settings(), workflowEvent('pull_request_target', pullRequestPayload('synchronize')))).toBe(
      runPullRequestFlow
    )
  })

  it('runs the merge flow for a pull request closed by merging', () => {
    expect(chooseFlow(settings(), workflowEvent('pull_request', pullRequestPayload('closed', { merged: true })))).toBe(
      runMergeFlow
    )
  })

  it('runs the closed flow for a pull request closed without merging', () => {
    expect(chooseFlow(settings(), workflowEvent('pull_request', pullRequestPayload('closed')))).toBe(runClosedFlow)
  })

  it('runs the merge flow for a push to a production branch', () => {
    expect(chooseFlow(settings(), workflowEvent('push', { ref: 'refs/heads/main' }))).toBe(runMergeFlow)
    const branches = settings({ productionBranches: ['main', 'release'] })
    expect(chooseFlow(branches, workflowEvent('push', { ref: 'refs/heads/release' }))).toBe(runMergeFlow)
  })

  it('does nothing for a push to another branch, and says so', () => {
    const { result, log } = captureLog(() =>
      chooseFlow(settings(), workflowEvent('push', { ref: 'refs/heads/feature/new-model' }))
    )
    expect(result).toBeNull()
    expect(log).toBe("::notice::Push to 'feature/new-model', which is not a production branch (main): nothing to do.\n")
  })

  it('does nothing for a push of a tag named like a production branch', () => {
    const { result } = captureLog(() => chooseFlow(settings(), workflowEvent('push', { ref: 'refs/tags/main' })))
    expect(result).toBeNull()
  })

  it("throws on workflow_dispatch, naming the input 'mode'", () => {
    const choose = (): unknown => chooseFlow(settings(), workflowEvent('workflow_dispatch', { inputs: {} }))
    expect(choose).toThrow(InputError)
    expect(choose).toThrow(
      "On 'workflow_dispatch' the event does not say what to do: set input 'mode' to 'backfill', 'diff' or 'watch' in this workflow's step."
    )
  })

  it('throws on an event it does not handle, naming it', () => {
    expect(() => chooseFlow(settings(), workflowEvent('sponsorship'))).toThrow(
      "Event 'sponsorship' is not one this action knows. In mode 'auto' it acts on pull_request, pull_request_target, push and schedule; for anything else set input 'mode'."
    )
    expect(() => chooseFlow(settings(), workflowEvent(''))).toThrow(/^Event 'none' is not one this action knows/)
  })
})

describe('chooseFlow with an explicit mode', () => {
  it.each([
    ['pull-request', runPullRequestFlow],
    ['merge', runMergeFlow],
    ['backfill', runManualBackfill],
    ['diff', runManualDiff],
    ['watch', runWatchFlow]
  ] as const)('maps mode %s to its flow whatever the event', (mode, flow) => {
    for (const event of [
      workflowEvent('workflow_dispatch'),
      workflowEvent('push', { ref: 'refs/heads/feature' }),
      workflowEvent('schedule')
    ]) {
      expect(chooseFlow(settings({ mode }), event)).toBe(flow)
    }
  })
})

describe('refuseUntrustedCode', () => {
  it('throws for pull_request_target from a fork, naming the event and allow-untrusted-code', () => {
    const refuse = (): void =>
      refuseUntrustedCode(
        settings(),
        workflowEvent('pull_request_target', pullRequestPayload('opened', { headRepo: FORK }))
      )
    expect(refuse).toThrow(InputError)
    expect(refuse).toThrow("Refusing to load a SQLMesh project from a fork under 'pull_request_target'")
    expect(refuse).toThrow("set 'allow-untrusted-code: true'")
  })

  it('lets pull_request_target from the same repository through', () => {
    expect(() =>
      refuseUntrustedCode(settings(), workflowEvent('pull_request_target', pullRequestPayload('opened')))
    ).not.toThrow()
  })

  it('lets a fork through under pull_request_target when allow-untrusted-code is true', () => {
    const event = workflowEvent('pull_request_target', pullRequestPayload('synchronize', { headRepo: FORK }))
    expect(() => refuseUntrustedCode(settings({ allowUntrustedCode: true }), event)).not.toThrow()
  })

  it('throws for workflow_run whose head repository is a fork', () => {
    const event = workflowEvent('workflow_run', {
      workflow_run: { head_repository: { full_name: FORK }, repository: { full_name: 'acme/warehouse' } }
    })
    expect(() => refuseUntrustedCode(settings(), event)).toThrow(
      "Refusing to load a SQLMesh project from a fork under 'workflow_run'"
    )
    expect(() => refuseUntrustedCode(settings({ allowUntrustedCode: true }), event)).not.toThrow()
  })

  it('lets workflow_run from the same repository through', () => {
    const event = workflowEvent('workflow_run', {
      workflow_run: { head_repository: { full_name: 'acme/warehouse' }, repository: { full_name: 'acme/warehouse' } }
    })
    expect(() => refuseUntrustedCode(settings(), event)).not.toThrow()
  })

  it('lets plain pull_request from a fork through: that event is fork-safe (no secrets, read-only token)', () => {
    expect(() =>
      refuseUntrustedCode(settings(), workflowEvent('pull_request', pullRequestPayload('opened', { headRepo: FORK })))
    ).not.toThrow()
  })

  it('lets push and workflow_dispatch through', () => {
    expect(() => refuseUntrustedCode(settings(), workflowEvent('push', { ref: 'refs/heads/main' }))).not.toThrow()
    expect(() => refuseUntrustedCode(settings(), workflowEvent('workflow_dispatch'))).not.toThrow()
  })

  // GitHub sends `head.repo: null` once the fork a pull request came from is deleted; its code is still reachable as
  // refs/pull/N/head, so an unknown head repository counts as a fork.
  it('throws for pull_request_target whose head repository is gone (a deleted fork)', () => {
    const event = workflowEvent('pull_request_target', pullRequestPayload('edited', { headRepo: null }))
    expect(() => refuseUntrustedCode(settings(), event)).toThrow(InputError)
  })
})
