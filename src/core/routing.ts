// Which flow a GitHub event calls for in mode 'auto', or why there is nothing to do. Pure: the event's name and
// payload in, a route out. The table in the README ("Events") is this function in words.

export type FlowName = 'pull-request' | 'draft' | 'merge' | 'closed' | 'watch'

export type Route =
  | { readonly kind: 'flow'; readonly flow: FlowName }
  /** Nothing to do: said in one notice, exit 0, SQLMesh never loaded (nor is it by the 'draft' flow). */
  | { readonly kind: 'nothing'; readonly reason: string }
  /** The workflow must say more (an input): the job fails with this message. */
  | { readonly kind: 'error'; readonly message: string }

export interface RoutingSettings {
  readonly productionBranches: readonly string[]
  readonly skipDrafts: boolean
}

/** Pull-request actions that change the code under review. */
export const DIFF_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const

/** Events a workflow may well run the action on, for which mode 'auto' has nothing to do. */
const NOTHING_TO_DO = new Set([
  'branch_protection_rule',
  'release',
  'issue_comment',
  'issues',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread',
  'create',
  'delete',
  'check_run',
  'check_suite',
  'status',
  'deployment',
  'deployment_status',
  'label',
  'milestone',
  'discussion',
  'discussion_comment',
  'fork',
  'watch',
  'gollum',
  'page_build',
  'registry_package',
  'public'
])

/** Events that say nothing of what to do: the workflow names the mode. */
const NEEDS_MODE = new Set(['workflow_dispatch', 'repository_dispatch', 'workflow_call', 'workflow_run'])

const ZERO_SHA = /^0+$/

export function routeEvent(name: string, payload: Readonly<Record<string, unknown>>, settings: RoutingSettings): Route {
  if (name === 'pull_request' || name === 'pull_request_target') return routePullRequest(name, payload, settings)
  if (name === 'push') return routePush(payload, settings)
  // A scheduled run has one job this action can do by itself: look for source data changed behind SQLMesh's back.
  if (name === 'schedule') return { kind: 'flow', flow: 'watch' }
  if (name === 'merge_group') {
    return nothing(
      'merge_group: the diff was reported on the pull request when it was pushed, and the merge flow runs on the push to the production branch; nothing to do for the queued merge.'
    )
  }
  if (NEEDS_MODE.has(name)) {
    return {
      kind: 'error',
      message: `On '${name}' the event does not say what to do: set input 'mode' to 'backfill', 'diff' or 'watch' in this workflow's step. (Mode 'auto' acts by itself on pull_request, pull_request_target, push and schedule.)`
    }
  }
  if (NOTHING_TO_DO.has(name)) return nothing(`Event '${name}' needs nothing from this action in mode 'auto'.`)
  return {
    kind: 'error',
    message: `Event '${name || 'none'}' is not one this action knows. In mode 'auto' it acts on pull_request, pull_request_target, push and schedule; for anything else set input 'mode'.`
  }
}

/**
 * A pull request is diffed when its code or its base changes. Under skip-drafts a draft is not: the 'draft' flow then
 * checks the comment instead, so that results computed for an earlier commit or base never stand as the current ones.
 */
function routePullRequest(name: string, payload: Readonly<Record<string, unknown>>, settings: RoutingSettings): Route {
  const action = scalarText(payload.action) ?? ''
  const pr = (payload.pull_request ?? {}) as { merged?: unknown; draft?: unknown; number?: unknown }
  const number = scalarText(pr.number) ?? scalarText(payload.number) ?? '?'
  if (action === 'closed') return { kind: 'flow', flow: pr.merged === true ? 'merge' : 'closed' }
  const skippedDraft = pr.draft === true && settings.skipDrafts
  if (action === 'converted_to_draft' && skippedDraft) return { kind: 'flow', flow: 'draft' }
  if (!(DIFF_ACTIONS as readonly string[]).includes(action) && !baseChanged(action, payload)) {
    return nothing(
      `${name} '${action}' on #${number} changes no code: nothing to diff (the diff runs on ${DIFF_ACTIONS.join(', ')}, and edited when the base branch changes).`
    )
  }
  return { kind: 'flow', flow: skippedDraft ? 'draft' : 'pull-request' }
}

/** 'edited' with `changes.base`: the pull request now merges into another branch, so its diff is another one. */
function baseChanged(action: string, payload: Readonly<Record<string, unknown>>): boolean {
  const changes = payload.changes
  return action === 'edited' && typeof changes === 'object' && changes !== null && 'base' in changes
}

function routePush(payload: Readonly<Record<string, unknown>>, settings: RoutingSettings): Route {
  const ref = scalarText(payload.ref) ?? ''
  if (!ref.startsWith('refs/heads/')) return nothing(`Push of ${ref || 'no ref'}, not a branch: nothing to do.`)
  const branch = ref.slice('refs/heads/'.length)
  if (payload.deleted === true || ZERO_SHA.test(scalarText(payload.after) ?? '')) {
    return nothing(`Push that deletes branch '${branch}': nothing to deploy or backfill.`)
  }
  if (!settings.productionBranches.includes(branch)) {
    return nothing(
      `Push to '${branch}', which is not a production branch (${settings.productionBranches.join(', ')}): nothing to do.`
    )
  }
  return { kind: 'flow', flow: 'merge' }
}

function nothing(reason: string): Route {
  return { kind: 'nothing', reason }
}

/** A payload field GitHub sends as a string or a number, as text; undefined when it is absent or anything else. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}
